#include "services/consensus/content/base32.hpp"
#include "services/consensus/content/cid.hpp"
#include "services/consensus/content/content_errc.hpp"
#include "services/consensus/content/varint.hpp"

#include <boost/test/unit_test.hpp>

#include <random>

using namespace storemesh;
using namespace storemesh::services::consensus;

namespace {
std::error_code code_of(const error& e) { return e.code; }
template <class T>
std::error_code code_of(const result<T>& r) { return r.error().code; }
} // namespace

BOOST_AUTO_TEST_SUITE(content_encoding)

BOOST_AUTO_TEST_CASE(varints_round_trip_at_every_width_and_match_the_multiformats_examples) {
  // The unsigned-varint spec's examples.
  const std::pair<std::uint64_t, std::string> examples[] = {
      {1, "\x01"}, {127, "\x7f"}, {128, std::string("\x80\x01", 2)}, {255, "\xff\x01"}, {300, "\xac\x02"}, {16384, "\x80\x80\x01"}};
  for (const auto& [v, bytes] : examples) {
    std::string out;
    append_varint(out, v);
    BOOST_TEST(out == bytes);
  }
  for (int bits = 0; bits < 63; ++bits) {
    for (const std::uint64_t v : {(std::uint64_t{1} << bits) - 1, std::uint64_t{1} << bits}) {
      std::string out;
      append_varint(out, v);
      out += "tail";
      const auto r = read_varint(out);
      BOOST_REQUIRE(r.has_value());
      BOOST_TEST(r.value().value == v);
      BOOST_TEST(r.value().size == out.size() - 4);
    }
  }
}

BOOST_AUTO_TEST_CASE(varints_that_are_truncated_too_long_or_padded_are_refused) {
  BOOST_TEST(code_of(read_varint("")) == make_error_code(content_errc::bad_varint));
  BOOST_TEST(code_of(read_varint("\x80")) == make_error_code(content_errc::bad_varint));
  BOOST_TEST(code_of(read_varint(std::string(9, '\xff') + "\x01")) == make_error_code(content_errc::bad_varint));
  BOOST_TEST(code_of(read_varint(std::string("\x81\x00", 2))) == make_error_code(content_errc::bad_varint));  // 1, padded
  BOOST_TEST(read_varint(std::string(8, '\xff') + "\x7f").value().value == max_varint);
}

BOOST_AUTO_TEST_CASE(base32_matches_rfc_4648_vectors_lowercase_unpadded) {
  const std::pair<std::string, std::string> vectors[] = {{"", ""},          {"f", "my"},          {"fo", "mzxq"},
                                                         {"foo", "mzxw6"},  {"foob", "mzxw6yq"}, {"fooba", "mzxw6ytb"},
                                                         {"foobar", "mzxw6ytboi"}};
  for (const auto& [plain, encoded] : vectors) {
    BOOST_TEST(base32_encode(plain) == encoded);
    BOOST_TEST(base32_decode(encoded).value() == plain);
  }
}

BOOST_AUTO_TEST_CASE(base32_round_trips_random_bytes_and_refuses_what_is_not_canonical) {
  std::mt19937 rng(7);
  for (std::size_t n = 0; n < 80; ++n) {
    std::string bytes(n, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    BOOST_TEST(base32_decode(base32_encode(bytes)).value() == bytes);
  }
  for (const char* bad : {"MZXW6", "mzxw6===", "mzxw1", "m", "mzx", "mzxw6y", "mz"})  // mz: trailing bits set
    BOOST_TEST(code_of(base32_decode(bad)) == make_error_code(content_errc::bad_base32), bad);
}

BOOST_AUTO_TEST_CASE(raw_cids_are_what_ipfs_computes) {
  // Published CIDs (ipfs add --cid-version 1 --raw-leaves, go-cid): the empty
  // block and "hello world".
  BOOST_TEST(cid::of(codec_raw, "").to_string() == "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
  BOOST_TEST(cid::of(codec_raw, "hello world").to_string() == "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e");
  const auto c = cid::of(codec_dag_pb, "x");
  BOOST_TEST(c.to_string().substr(0, 4) == "bafy");
  BOOST_TEST(c.to_bytes().size() == 36u);
  BOOST_TEST(c.to_bytes().substr(0, 4) == std::string("\x01\x70\x12\x20", 4));
}

BOOST_AUTO_TEST_CASE(cids_round_trip_through_text_and_binary) {
  for (const std::uint64_t codec : {codec_raw, codec_dag_pb, std::uint64_t{0x71}, std::uint64_t{0x300}}) {
    const auto c = cid::of(codec, "bytes " + std::to_string(codec));
    BOOST_TEST(parse_cid(c.to_string()).value() == c);
    BOOST_TEST(cid_from_bytes(c.to_bytes()).value() == c);
    BOOST_TEST(parse_cid(c.to_string()).value().codec() == codec);
  }
}

BOOST_AUTO_TEST_CASE(bad_cid_text_gets_the_error_that_says_why) {
  const auto good = cid::of(codec_raw, "a").to_string();
  const std::pair<std::string, content_errc> cases[] = {
      {"", content_errc::bad_cid},
      {"QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR", content_errc::unsupported_multibase},  // CIDv0
      {"B" + good.substr(1), content_errc::unsupported_multibase},
      {"z" + good.substr(1), content_errc::unsupported_multibase},
      {good.substr(0, good.size() - 1), content_errc::bad_base32},  // impossible length
      {good.substr(0, good.size() - 2), content_errc::bad_cid},      // truncated digest
      {good + "aa", content_errc::bad_cid},                           // a trailing byte
      {"b" + base32_encode(std::string("\x02\x55\x12\x20", 4) + std::string(32, 'x')), content_errc::unsupported_cid_version},
      {"b" + base32_encode(std::string("\x01\x55\x13\x20", 4) + std::string(32, 'x')), content_errc::unsupported_hash},
      {"b" + base32_encode(std::string("\x01\x55\x12\x10", 4) + std::string(16, 'x')), content_errc::unsupported_hash},
      {"bafkqaaa", content_errc::unsupported_hash},  // identity multihash
      {"b" + std::string(300, 'a'), content_errc::bad_cid},
  };
  for (const auto& [text, errc] : cases) {
    const auto r = parse_cid(text);
    BOOST_REQUIRE_MESSAGE(!r, text);
    BOOST_TEST(r.error().code == make_error_code(errc), text << ": " << r.error().message());
  }
  BOOST_TEST(code_of(cid_from_bytes(std::string("\x12\x20", 2) + std::string(32, 'x'))) ==
             make_error_code(content_errc::unsupported_cid_version));
}

BOOST_AUTO_TEST_CASE(verify_block_refuses_bytes_that_do_not_hash_to_the_cid) {
  const auto c = cid::of(codec_raw, "topology v1");
  BOOST_TEST(bool(verify_block(c, "topology v1")));
  const auto r = verify_block(c, "topology v2");
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().code == make_error_code(content_errc::hash_mismatch));
  BOOST_TEST(r.error().message().find(c.to_string()) != std::string::npos);
  BOOST_TEST(!verify_block(cid(codec_dag_pb, c.digest()), "topology v2"));
}

BOOST_AUTO_TEST_CASE(content_errors_have_their_category) {
  BOOST_TEST(std::string(content_category().name()) == "content");
  BOOST_TEST(make_error(content_errc::hash_mismatch, "x").message() == "content: bytes do not hash to the CID: x");
  BOOST_TEST(codec_name(codec_raw) == "raw");
  BOOST_TEST(codec_name(0x71) == "0x71");
}

BOOST_AUTO_TEST_SUITE_END()
