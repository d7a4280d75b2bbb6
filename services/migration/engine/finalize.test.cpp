// finalize and discard on real files: corrupted temps are repaired, a second
// finalize after the rename re-verifies, wrong inputs are refused.
#include "services/migration/engine/copy_engine.hpp"

#include "services/migration/engine/engine_test_support.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh;
using namespace storemesh::services::migration;
using namespace storemesh::services::migration::engine_testing;

namespace {

constexpr std::uint64_t chunk = 64 * KiB;

/// A spec whose temp holds a full copy of `bytes`; returns the hashes.
std::vector<chunk_hash> copy_all(const copy_spec& s) {
  const std::atomic<bool> never{false};
  recorder rec;
  auto r = copy_range(s, 0, never, rec.callback());
  BOOST_REQUIRE(r);
  BOOST_REQUIRE(r.value().reached_end);
  return rec.hashes;
}

void flip_byte(const fs::path& p, std::uint64_t at) {
  std::fstream f(p, std::ios::binary | std::ios::in | std::ios::out);
  f.seekg(static_cast<std::streamoff>(at));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(at));
  f.put(static_cast<char>(c ^ 0x01));
  BOOST_REQUIRE(f.good());
}

} // namespace

BOOST_AUTO_TEST_SUITE(copy_engine_finalize)

BOOST_AUTO_TEST_CASE(a_corrupted_temp_chunk_is_copied_again_and_the_file_verifies) {
  testing::temp_dir dir;
  const std::string bytes = random_bytes(8 * chunk + 3, 1);
  const auto s = make_spec(dir.path(), bytes, chunk);
  const auto hashes = copy_all(s);
  flip_byte(s.temp, 3 * chunk + 17);
  flip_byte(s.temp, 8 * chunk + 1);  // the short last chunk
  auto digest = finalize(s, hashes);
  BOOST_REQUIRE(digest);
  BOOST_TEST(digest.value() == job_digest(hashes));
  BOOST_TEST(read_file(s.destination) == bytes);
  BOOST_TEST(!fs::exists(s.temp));
}

BOOST_AUTO_TEST_CASE(a_chunk_size_that_is_not_page_aligned_verifies_through_the_page_cache) {
  testing::temp_dir dir;
  const std::string bytes = random_bytes(50 * 1000 + 7, 8);
  const auto s = make_spec(dir.path(), bytes, 1000);  // O_DIRECT needs aligned chunks
  const auto hashes = copy_all(s);
  flip_byte(s.temp, 17 * 1000 + 999);
  BOOST_REQUIRE(finalize(s, hashes));
  BOOST_TEST(read_file(s.destination) == bytes);
}

BOOST_AUTO_TEST_CASE(a_temp_cut_short_is_completed_from_the_source) {
  testing::temp_dir dir;
  const std::string bytes = random_bytes(4 * chunk + 100, 2);
  const auto s = make_spec(dir.path(), bytes, chunk);
  const auto hashes = copy_all(s);
  fs::resize_file(s.temp, 2 * chunk + 5);
  BOOST_REQUIRE(finalize(s, hashes));
  BOOST_TEST(read_file(s.destination) == bytes);
}

BOOST_AUTO_TEST_CASE(a_corrupted_chunk_whose_source_changed_too_is_source_changed) {
  testing::temp_dir dir;
  const std::string bytes = random_bytes(4 * chunk, 3);
  const auto s = make_spec(dir.path(), bytes, chunk);
  const auto hashes = copy_all(s);
  flip_byte(s.temp, chunk + 1);
  flip_byte(s.source, chunk + 2);
  auto r = finalize(s, hashes);
  BOOST_REQUIRE(!r);
  require_code(r.error(), engine_errc::source_changed);
  BOOST_TEST(!fs::exists(s.destination));
  BOOST_TEST(fs::exists(s.temp));  // for the caller to discard
}

BOOST_AUTO_TEST_CASE(finalize_again_after_the_rename_reverifies_the_destination) {
  testing::temp_dir dir;
  const std::string bytes = random_bytes(3 * chunk + 11, 4);
  const auto s = make_spec(dir.path(), bytes, chunk);
  const auto hashes = copy_all(s);
  auto first = finalize(s, hashes);
  BOOST_REQUIRE(first);
  auto second = finalize(s, hashes);
  BOOST_REQUIRE(second);
  BOOST_TEST(second.value() == first.value());
  BOOST_TEST(read_file(s.destination) == bytes);

  // A destination damaged since is reported, not repaired.
  flip_byte(s.destination, 2 * chunk);
  auto damaged = finalize(s, hashes);
  BOOST_REQUIRE(!damaged);
  require_code(damaged.error(), engine_errc::verification_failed);
}

BOOST_AUTO_TEST_CASE(without_temp_a_missing_or_wrong_sized_destination_is_not_found) {
  testing::temp_dir dir;
  const std::string bytes = random_bytes(2 * chunk, 5);
  const auto s = make_spec(dir.path(), bytes, chunk);
  const auto hashes = hashes_of(bytes, chunk);
  auto none = finalize(s, hashes);
  BOOST_REQUIRE(!none);
  require_code(none.error(), engine_errc::not_found);
  write_file(s.destination, "short");
  auto wrong = finalize(s, hashes);
  BOOST_REQUIRE(!wrong);
  require_code(wrong.error(), engine_errc::not_found);
}

BOOST_AUTO_TEST_CASE(a_hash_list_of_the_wrong_length_is_refused) {
  testing::temp_dir dir;
  const auto s = make_spec(dir.path(), random_bytes(3 * chunk, 6), chunk);
  auto hashes = copy_all(s);
  hashes.pop_back();
  auto r = finalize(s, hashes);
  BOOST_REQUIRE(!r);
  require_code(r.error(), engine_errc::verification_failed);
  BOOST_TEST(!fs::exists(s.destination));
}

BOOST_AUTO_TEST_CASE(discard_removes_the_temp_and_never_the_destination) {
  testing::temp_dir dir;
  const std::string bytes = random_bytes(2 * chunk, 7);
  const auto s = make_spec(dir.path(), bytes, chunk);
  write_file(s.destination, "an older version");
  copy_all(s);
  discard(s);
  BOOST_TEST(!fs::exists(s.temp));
  BOOST_TEST(read_file(s.destination) == "an older version");
  discard(s);  // a temp already gone is fine
}

BOOST_AUTO_TEST_SUITE_END()
