#include "events/crypto/crypto_errc.hpp"
#include "events/crypto/hashing.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace storemesh::events::crypto;

BOOST_AUTO_TEST_SUITE(hashing)

// Known answers from Python's hashlib.blake2b(m, digest_size=32).
BOOST_AUTO_TEST_CASE(blake2b_256_matches_known_answers) {
  BOOST_TEST(to_hex(blake2b_256("")) == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  BOOST_TEST(to_hex(blake2b_256("abc")) == "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
  BOOST_TEST(to_hex(blake2b_256(std::string(1000, 'a'))) ==
             "e00b0ddbf1e2cdaf5c898e1a5e8826ea3a2c339bcf2a478da2e5fca9ff126672");
}

BOOST_AUTO_TEST_CASE(incremental_hash_equals_one_shot_hash_of_the_concatenation) {
  const std::string message(1000, 'a');
  const digest whole = blake2b_256(message);
  for (std::size_t cut = 0; cut <= message.size(); cut += 37) {
    blake2b_256_state h;
    h.update(std::string_view(message).substr(0, cut));
    h.update(std::string_view(message).substr(cut));
    BOOST_TEST(h.final() == whole);
  }
}

BOOST_AUTO_TEST_CASE(record_hash_is_blake2b_of_the_stored_value) {
  BOOST_TEST(record_hash("abc") == blake2b_256("abc"));
  BOOST_TEST(zero_digest == digest{});
}

BOOST_AUTO_TEST_CASE(hex_round_trips_every_byte_value) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const std::string hex = to_hex(all);
  BOOST_TEST(hex.size() == 512u);
  BOOST_TEST(hex.substr(0, 8) == "00010203");
  BOOST_TEST(hex.substr(504) == "fcfdfeff");
  auto back = from_hex(hex);
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(std::string(back.value().begin(), back.value().end()) == all);
}

BOOST_AUTO_TEST_CASE(from_hex_accepts_upper_case_and_the_empty_string) {
  auto v = from_hex("ABcd");
  BOOST_REQUIRE(v.has_value());
  BOOST_TEST(v.value() == (std::vector<std::uint8_t>{0xab, 0xcd}));
  BOOST_TEST(from_hex("").value().empty());
}

BOOST_AUTO_TEST_CASE(from_hex_rejects_odd_length_and_non_hex_characters) {
  for (const char* bad : {"a", "abc", "zz", "0g", "ab cd", "ab\n", "-1"}) {
    auto r = from_hex(bad);
    BOOST_TEST_CONTEXT(bad) {
      BOOST_REQUIRE(!r.has_value());
      BOOST_TEST((r.error().code == crypto_errc::bad_hex));
    }
  }
}

BOOST_AUTO_TEST_CASE(from_hex_exact_requires_the_exact_length_and_zeroes_on_failure) {
  std::array<std::uint8_t, 2> out{0x11, 0x22};
  BOOST_TEST(!from_hex_exact("abcdef", out.data(), out.size()).has_value());
  BOOST_TEST(out == (std::array<std::uint8_t, 2>{0, 0}));
  BOOST_TEST(from_hex_exact("abcd", out.data(), out.size()).has_value());
  BOOST_TEST(out == (std::array<std::uint8_t, 2>{0xab, 0xcd}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(crypto_errc_names)

BOOST_AUTO_TEST_CASE(code_names_are_the_enumerator_names) {
  BOOST_TEST(std::string(code_name(crypto_errc::bad_signature)) == "bad_signature");
  BOOST_TEST(std::string(code_name(crypto_errc::unknown_key)) == "unknown_key");
  BOOST_TEST(make_error_code(crypto_errc::unsigned_command).message() == "unsigned command");
  BOOST_TEST(std::string(make_error_code(crypto_errc::bad_seal).category().name()) == "crypto");
}

BOOST_AUTO_TEST_SUITE_END()
