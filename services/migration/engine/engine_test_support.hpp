#pragma once
// What the engine's tests share: real files with random bytes in a temp dir,
// a spec over them, and a progress recorder.

#include "services/migration/engine/copy_engine.hpp"
#include "services/migration/engine/engine_errc.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/tmpfs_mount.hpp"

#include <boost/test/unit_test.hpp>


#include <cerrno>
#include <cstring>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace storemesh::services::migration::engine_testing {

namespace fs = std::filesystem;

inline constexpr std::uint64_t KiB = 1024;

/// Deterministic bytes (xorshift64): every test file differs from the next.
inline std::string random_bytes(std::size_t n, std::uint64_t seed) {
  std::string out(n, '\0');
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (auto& c : out) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x >> 56);
  }
  return out;
}

inline void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  BOOST_REQUIRE(out.good());
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The hashes a job over `bytes` must record.
inline std::vector<chunk_hash> hashes_of(const std::string& bytes, std::uint64_t chunk) {
  std::vector<chunk_hash> out;
  for (std::uint64_t at = 0; at < bytes.size(); at += chunk)
    out.push_back(sha256(bytes.data() + at, std::min<std::uint64_t>(chunk, bytes.size() - at)));
  return out;
}

/// dir/src (holding `bytes`) -> dir/<name>, through dir/<name>.part.
inline copy_spec make_spec(const fs::path& dir, const std::string& bytes, std::uint64_t chunk,
                           const std::string& name = "dst") {
  write_file(dir / "src", bytes);
  copy_spec s;
  s.source = dir / "src";
  s.temp = dir / (name + ".part");
  s.destination = dir / name;
  s.chunk_size = chunk;
  auto id = stat_source(s.source);
  BOOST_REQUIRE(id);
  s.expect = id.value();
  return s;
}

/// Every progress report of a run, and the chunk-hash list they continue.
struct recorder {
  std::vector<progress> reports;
  std::vector<chunk_hash> hashes;

  [[nodiscard]] std::function<void(const progress&)> callback() {
    return [this](const progress& p) {
      reports.push_back(p);
      hashes.insert(hashes.end(), p.new_hashes.begin(), p.new_hashes.end());
    };
  }
};

using testing::tmpfs_mount;

inline void require_code(const error& e, engine_errc expected) {
  BOOST_TEST_MESSAGE(e.message());
  BOOST_TEST(e.code == make_error_code(expected), e.message());
}

} // namespace storemesh::services::migration::engine_testing
