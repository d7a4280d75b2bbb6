// code_file on real temp files, checked against computations that share no
// code with it: SHA-256 by libsodium, the slices by rs_coder on hand-made
// data pillars, their CRC32C by events/crc32c.hpp.
#include "events/crc32c.hpp"
#include "services/delivery/coding/coding_errc.hpp"
#include "services/delivery/coding/manifest.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <sodium.h>

#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <vector>

using namespace storemesh;
using namespace storemesh::services::delivery;

namespace {

std::vector<std::uint8_t> write_random_file(const std::filesystem::path& p, std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v)
    b = static_cast<std::uint8_t>(rng());
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(n));
  return v;
}

std::string sodium_sha256_hex(const std::vector<std::uint8_t>& bytes) {
  unsigned char d[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(d, bytes.data(), bytes.size());
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, d, sizeof d);
  return hex;
}

/// The CRC32C of every slice, index segment * (k+m) + pillar, computed from
/// the content by hand: data pillars cut and zero padded here, parity by rs_coder.
std::vector<std::uint32_t> expected_crcs(const std::vector<std::uint8_t>& content, const geometry& g) {
  auto coder = rs_coder::make(g.k, g.m);
  BOOST_REQUIRE(coder.has_value());
  const std::size_t s = slice_bytes(g);
  std::vector<std::uint32_t> crcs;
  for (std::uint64_t seg = 0; seg * g.segment_bytes < content.size(); ++seg) {
    std::vector<std::vector<std::uint8_t>> pillar(g.k + g.m, std::vector<std::uint8_t>(s, 0));
    for (std::uint32_t i = 0; i < g.k; ++i)
      for (std::size_t b = 0; b < s; ++b) {
        const std::size_t in_segment = i * s + b, at = seg * g.segment_bytes + in_segment;
        if (in_segment < g.segment_bytes && at < content.size())
          pillar[i][b] = content[at];
      }
    std::vector<const std::uint8_t*> data;
    std::vector<std::uint8_t*> parity;
    for (std::uint32_t i = 0; i < g.k; ++i)
      data.push_back(pillar[i].data());
    for (std::uint32_t j = 0; j < g.m; ++j)
      parity.push_back(pillar[g.k + j].data());
    coder.value().encode(s, data.data(), parity.data());
    for (const auto& p : pillar)
      crcs.push_back(events::crc32c(p.data(), p.size()));
  }
  return crcs;
}

} // namespace

BOOST_AUTO_TEST_SUITE(delivery_manifest)

BOOST_AUTO_TEST_CASE(code_file_matches_an_independent_sha256_and_slice_computation) {
  BOOST_REQUIRE(sodium_init() >= 0);
  storemesh::testing::temp_dir dir;
  // Several segments with a short last one; exactly one segment; one byte.
  const std::pair<std::size_t, geometry> cases[] = {
      {3 * 65536 + 1234, geometry{0, 65536, 4, 2}},
      {65536, geometry{65536, 65536, 10, 4}},
      {1, geometry{0, 4096, 1, 1}},
      {200000, geometry{0, 8192, 32, 16}},
  };
  std::uint32_t seed = 1;
  for (const auto& [size, g] : cases) {
    const auto path = dir / ("content-" + std::to_string(seed));
    const auto content = write_random_file(path, size, seed++);
    const auto m = code_file(path, g);
    BOOST_REQUIRE_MESSAGE(m.has_value(), (m.has_value() ? std::string() : m.error().message()));
    BOOST_TEST(m.value().geometry.bytes == size);
    BOOST_TEST(m.value().geometry.segment_bytes == g.segment_bytes);
    BOOST_TEST(m.value().sha256 == sodium_sha256_hex(content));
    BOOST_TEST(m.value().slice_crc32c.size() == segments(m.value().geometry) * pillars(g));
    BOOST_TEST((m.value().slice_crc32c == expected_crcs(content, m.value().geometry)));
  }
}

BOOST_AUTO_TEST_CASE(the_sink_sees_every_segments_slices_and_they_rebuild_the_file) {
  storemesh::testing::temp_dir dir;
  const geometry g{0, 16384, 4, 2};
  const auto content = write_random_file(dir / "f", 5 * 16384 + 77, 42);
  std::map<std::uint64_t, std::vector<std::vector<std::uint8_t>>> seen;
  std::size_t s = 0;
  const auto m = code_file(dir / "f", g, [&](std::uint64_t segment, const slice_views& v) -> result<void> {
    s = slice_bytes(geometry{1, 16384, 4, 2});
    BOOST_TEST(v.count == 6u);
    for (std::uint32_t p = 0; p < v.count; ++p)
      seen[segment].emplace_back(v.payload[p], v.payload[p] + s);
    return success();
  });
  BOOST_REQUIRE(m.has_value());
  BOOST_REQUIRE_EQUAL(seen.size(), 6u);
  auto coder = segment_coder::make(m.value().geometry);
  BOOST_REQUIRE(coder.has_value());
  std::vector<std::uint8_t> rebuilt;
  for (auto& [segment, slices] : seen) {
    for (std::uint32_t p = 0; p < 6; ++p)
      BOOST_TEST(events::crc32c(slices[p].data(), s) == m.value().slice_crc32c[segment * 6 + p]);
    // Lose two pillars, a different pair per segment.
    std::vector<const std::uint8_t*> in;
    for (std::uint32_t p = 0; p < 6; ++p)
      in.push_back(p == segment % 6 || p == (segment + 3) % 6 ? nullptr : slices[p].data());
    const std::size_t len = segment_data_bytes(m.value().geometry, segment);
    std::vector<std::uint8_t> out(len);
    BOOST_REQUIRE(coder.value().decode(in.data(), out.data(), len).has_value());
    rebuilt.insert(rebuilt.end(), out.begin(), out.end());
  }
  BOOST_TEST((rebuilt == content));
}

BOOST_AUTO_TEST_CASE(unreadable_empty_or_mismatched_files_are_errors_naming_the_path) {
  storemesh::testing::temp_dir dir;
  const geometry g{0, 4096, 4, 2};
  const auto missing = code_file(dir / "missing", g);
  BOOST_REQUIRE(!missing.has_value());
  BOOST_TEST(missing.error().code == make_error_code(coding_errc::io_error));
  BOOST_TEST(missing.error().detail.find((dir / "missing").string()) != std::string::npos);
  BOOST_TEST(code_file(dir.path(), g).error().code == make_error_code(coding_errc::io_error));
  std::ofstream(dir / "empty").flush();
  BOOST_TEST(code_file(dir / "empty", g).error().code == make_error_code(coding_errc::bad_geometry));
  write_random_file(dir / "f", 5000, 1);
  BOOST_TEST(code_file(dir / "f", geometry{4999, 4096, 4, 2}).error().code == make_error_code(coding_errc::bad_geometry));
  BOOST_TEST(code_file(dir / "f", geometry{0, 4000, 4, 2}).error().code == make_error_code(coding_errc::bad_geometry));
  const auto stopped = code_file(dir / "f", g, [](std::uint64_t segment, const slice_views&) -> result<void> {
    if (segment == 1)
      return make_error(coding_errc::io_error, "disk full at the origin");
    return success();
  });
  BOOST_REQUIRE(!stopped.has_value());
  BOOST_TEST(stopped.error().detail == "disk full at the origin");
}

BOOST_AUTO_TEST_SUITE_END()
