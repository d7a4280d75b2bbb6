// The slice header: round trip, every refusal of read_header (cut at every
// length, every bit flipped, each field made wrong with a valid checksum),
// and verify() catching a flipped payload bit and a slice the origin did not code.
#include "events/crc32c.hpp"
#include "services/delivery/coding/coding_errc.hpp"
#include "services/delivery/coding/slice_format.hpp"

#include <boost/test/unit_test.hpp>

#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace storemesh;
using namespace storemesh::services::delivery;

namespace {

const geometry g{10'000'000, 1 << 20, 10, 4};  // 10 segments, slices of 104896 bytes

std::vector<std::uint8_t> payload_of(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v)
    b = static_cast<std::uint8_t>(rng());
  return v;
}

slice_header sample(const std::vector<std::uint8_t>& payload) {
  auto h = make_slice_header(slice_ref{"movie.2026-12", 9, 13}, g, payload.data(), payload.size());
  BOOST_REQUIRE(h.has_value());
  return h.value();
}

slice_header_buffer bytes_of(const slice_header& h) {
  auto b = write_header(h);
  BOOST_REQUIRE(b.has_value());
  return b.value();
}

/// Recomputes the header checksum after a deliberate change, so that the
/// checks behind it are reached.
void reseal(slice_header_buffer& b) {
  const std::uint32_t crc = events::crc32c(b.data(), 124);
  std::memcpy(b.data() + 124, &crc, 4);
}

std::error_code read_error(const slice_header_buffer& b) {
  const auto r = read_header(b.data(), b.size());
  BOOST_REQUIRE(!r.has_value());
  return r.error().code;
}

template <class T>
void put(slice_header_buffer& b, std::size_t at, T v) {
  std::memcpy(b.data() + at, &v, sizeof v);
}

} // namespace

BOOST_AUTO_TEST_SUITE(delivery_slice_format)

BOOST_AUTO_TEST_CASE(crc32c_is_the_standard_castagnoli_crc_and_chains) {
  const std::string check = "123456789";
  BOOST_TEST(events::crc32c(check.data(), check.size()) == 0xE3069283u);
  BOOST_TEST(events::crc32c(check.data() + 4, 5, events::crc32c(check.data(), 4)) == 0xE3069283u);
  BOOST_TEST(events::crc32c(nullptr, 0) == 0u);
}

BOOST_AUTO_TEST_CASE(a_header_round_trips_and_its_bytes_follow_the_table) {
  const auto payload = payload_of(slice_bytes(g), 1);
  const auto h = sample(payload);
  BOOST_TEST(h.payload_bytes == 104896u);
  BOOST_TEST(h.payload_crc32c == events::crc32c(payload.data(), payload.size()));
  const auto b = bytes_of(h);
  BOOST_TEST(std::string(b.begin(), b.begin() + 4) == "SMSL");
  BOOST_TEST(b[4] == 1);
  BOOST_TEST(b[6] == 128);
  BOOST_TEST(b[8] == 10);
  BOOST_TEST(b[9] == 4);
  BOOST_TEST(b[10] == 13);
  BOOST_TEST(b[12] == 9);
  BOOST_TEST(b[16] == 13);
  BOOST_TEST(std::string(b.begin() + 48, b.begin() + 61) == "movie.2026-12");
  // With the payload behind it, as in a file: only the header is read.
  std::vector<std::uint8_t> file(b.begin(), b.end());
  file.insert(file.end(), payload.begin(), payload.end());
  const auto back = read_header(file.data(), file.size());
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST((back.value() == h));
  BOOST_TEST(verify(back.value(), file.data() + 128, file.size() - 128, h.payload_crc32c).has_value());
}

BOOST_AUTO_TEST_CASE(the_documented_example_is_what_write_header_writes) {
  // SLICE_FORMAT.md's example, computed with Python's struct and crcmod.
  const char* doc_hex =
      "534d534c01008000040205000200000005000000000000001027000000000000"
      "001000000000000000040000000000006d6f7669650000000000000000000000"
      "0000000000000000000000000000000000000000000000000000000000000000"
      "00000000000000000000000000000000"
      "8f6edf2c000000000000000076a54308";
  std::vector<std::uint8_t> doc;
  for (const char* p = doc_hex; *p; p += 2)
    doc.push_back(static_cast<std::uint8_t>(std::stoi(std::string(p, 2), nullptr, 16)));
  BOOST_REQUIRE_EQUAL(doc.size(), slice_header_bytes);
  std::vector<std::uint8_t> payload(1024);
  for (std::size_t i = 0; i < payload.size(); ++i)
    payload[i] = static_cast<std::uint8_t>(i % 256);
  const auto h = make_slice_header(slice_ref{"movie", 2, 5}, geometry{10000, 4096, 4, 2}, payload.data(), payload.size());
  BOOST_REQUIRE(h.has_value());
  BOOST_TEST(h.value().payload_crc32c == 0x2cdf6e8fu);
  const auto b = bytes_of(h.value());
  BOOST_TEST(std::vector<std::uint8_t>(b.begin(), b.end()) == doc, boost::test_tools::per_element());
  const auto back = read_header(doc.data(), doc.size());
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST((back.value() == h.value()));
}

BOOST_AUTO_TEST_CASE(a_header_cut_at_any_length_is_short) {
  const auto b = bytes_of(sample(payload_of(slice_bytes(g), 2)));
  for (std::size_t n = 0; n < slice_header_bytes; ++n) {
    const auto r = read_header(b.data(), n);
    BOOST_REQUIRE(!r.has_value());
    BOOST_TEST(r.error().code == make_error_code(coding_errc::short_header));
  }
}

BOOST_AUTO_TEST_CASE(any_flipped_header_bit_is_refused) {
  const auto b = bytes_of(sample(payload_of(slice_bytes(g), 3)));
  for (std::size_t bit = 0; bit < slice_header_bytes * 8; ++bit) {
    auto x = b;
    x[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    const auto code = read_error(x);
    const auto want = bit < 32 ? coding_errc::bad_magic : bit < 48 ? coding_errc::bad_version : coding_errc::header_checksum;
    BOOST_TEST_REQUIRE(code == make_error_code(want), "bit " << bit);
  }
}

BOOST_AUTO_TEST_CASE(each_inconsistent_field_is_refused_even_with_a_valid_checksum) {
  const auto b = bytes_of(sample(payload_of(slice_bytes(g), 4)));
  const auto expect = [&](auto change, coding_errc want, const char* what) {
    auto x = b;
    change(x);
    reseal(x);
    BOOST_TEST(read_error(x) == make_error_code(want), what);
  };
  expect([](auto& x) { put<std::uint16_t>(x, 4, 2); }, coding_errc::bad_version, "version 2");
  expect([](auto& x) { put<std::uint16_t>(x, 6, 127); }, coding_errc::bad_sizes, "header length");
  expect([](auto& x) { x[11] = 1; }, coding_errc::bad_sizes, "flags");
  expect([](auto& x) { x[20] = 1; }, coding_errc::bad_sizes, "reserved 20");
  expect([](auto& x) { x[123] = 1; }, coding_errc::bad_sizes, "reserved 116");
  expect([](auto& x) { x[10] = 0; }, coding_errc::bad_name, "empty name");
  expect([](auto& x) { x[10] = 64; }, coding_errc::bad_name, "name longer than its field");
  expect([](auto& x) { x[10] = 12; }, coding_errc::bad_name, "name byte in the padding");
  expect([](auto& x) { x[48] = 'M'; }, coding_errc::bad_name, "upper case");
  expect([](auto& x) { x[52] = '/'; }, coding_errc::bad_name, "a slash");
  expect([](auto& x) { x[8] = 0; }, coding_errc::bad_sizes, "k 0");
  expect([](auto& x) { x[8] = 33; }, coding_errc::bad_sizes, "k 33");
  expect([](auto& x) { x[9] = 17; }, coding_errc::bad_sizes, "m 17");
  expect([](auto& x) { put<std::uint32_t>(x, 12, 10); }, coding_errc::bad_sizes, "segment past the end");
  expect([](auto& x) { put<std::uint32_t>(x, 16, 14); }, coding_errc::bad_sizes, "pillar k+m");
  expect([](auto& x) { put<std::uint64_t>(x, 24, 0); }, coding_errc::bad_sizes, "empty content");
  expect([](auto& x) { put<std::uint64_t>(x, 32, 4000); }, coding_errc::bad_sizes, "segment size not aligned");
  expect([](auto& x) { put<std::uint64_t>(x, 40, 104897); }, coding_errc::bad_sizes, "payload bytes");
}

BOOST_AUTO_TEST_CASE(write_header_refuses_what_read_header_would) {
  const auto payload = payload_of(slice_bytes(g), 5);
  auto h = sample(payload);
  h.slice.content = "Not A Name";
  BOOST_TEST(write_header(h).error().code == make_error_code(coding_errc::bad_name));
  h = sample(payload);
  h.slice.pillar = 14;
  BOOST_TEST(write_header(h).error().code == make_error_code(coding_errc::bad_sizes));
  BOOST_TEST(make_slice_header(slice_ref{"x", 0, 0}, g, payload.data(), 100).error().code ==
             make_error_code(coding_errc::bad_sizes));
}

BOOST_AUTO_TEST_CASE(a_flipped_payload_bit_is_detected_and_so_is_a_slice_the_origin_did_not_code) {
  const auto payload = payload_of(slice_bytes(g), 6);
  const auto h = sample(payload);
  BOOST_TEST(verify(h, payload.data(), payload.size()).has_value());
  std::mt19937 rng(6);
  for (int i = 0; i < 64; ++i) {
    auto x = payload;
    const std::size_t bit = rng() % (x.size() * 8);
    x[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    const auto r = verify(h, x.data(), x.size(), h.payload_crc32c);
    BOOST_REQUIRE(!r.has_value());
    BOOST_TEST(r.error().code == make_error_code(coding_errc::corrupt_payload));
  }
  BOOST_TEST(verify(h, payload.data(), payload.size() - 1).error().code == make_error_code(coding_errc::bad_sizes));
  // A consistent slice (header and payload agree) that is not the origin's.
  BOOST_TEST(verify(h, payload.data(), payload.size(), h.payload_crc32c ^ 1).error().code ==
             make_error_code(coding_errc::unexpected_crc));
}

BOOST_AUTO_TEST_SUITE_END()
