// copy_range on real files: whole copies, stop and resume, a source that
// changes under the copy, a missing source, a throttled copy.
#include "services/migration/engine/copy_engine.hpp"

#include "services/migration/engine/engine_test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/stat.h>

using namespace storemesh;
using namespace storemesh::services::migration;
using namespace storemesh::services::migration::engine_testing;

namespace {

constexpr std::uint64_t chunk = 64 * KiB;
const std::atomic<bool> never{false};

result<run_outcome> run(const copy_spec& s, std::uint64_t from, recorder& rec, const std::atomic<bool>& stop = never) {
  return copy_range(s, from, stop, rec.callback());
}

void append(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::app);
  out << bytes;
}

} // namespace

BOOST_AUTO_TEST_SUITE(copy_engine_copy_range)

BOOST_AUTO_TEST_CASE(a_file_of_odd_size_is_copied_chunk_by_chunk_and_its_digest_is_over_the_chunk_hashes) {
  testing::temp_dir dir;
  const std::string bytes = random_bytes(5 * chunk + 123, 1);
  const auto s = make_spec(dir.path(), bytes, chunk);
  recorder rec;
  auto r = run(s, 0, rec);
  BOOST_REQUIRE(r);
  BOOST_TEST(r.value().reached_end);
  BOOST_TEST(r.value().offset == bytes.size());
  BOOST_TEST(r.value().bytes_written == bytes.size());
  BOOST_TEST(read_file(s.temp) == bytes);
  BOOST_TEST(rec.hashes == hashes_of(bytes, chunk));  // 6 chunks, the last one 123 bytes
  BOOST_TEST(rec.reports.back().offset == bytes.size());
  for (std::size_t i = 1; i < rec.reports.size(); ++i) BOOST_TEST(rec.reports[i - 1].offset < rec.reports[i].offset);

  auto digest = finalize(s, rec.hashes);
  BOOST_REQUIRE(digest);
  BOOST_TEST(read_file(s.destination) == bytes);
  BOOST_TEST(!fs::exists(s.temp));
  // The job digest is the hash of the chunk hashes, not of the file.
  std::string concatenated;
  for (const auto& h : rec.hashes) concatenated.append(reinterpret_cast<const char*>(h.data()), h.size());
  BOOST_TEST(digest.value() == sha256(concatenated.data(), concatenated.size()));
  BOOST_TEST(digest.value() != sha256(bytes.data(), bytes.size()));
}

BOOST_AUTO_TEST_CASE(a_single_chunk_files_digest_is_the_hash_of_its_hash) {
  testing::temp_dir dir;
  const std::string bytes = random_bytes(1000, 2);
  const auto s = make_spec(dir.path(), bytes, chunk);
  recorder rec;
  BOOST_REQUIRE(run(s, 0, rec));
  auto digest = finalize(s, rec.hashes);
  BOOST_REQUIRE(digest);
  const chunk_hash file_hash = sha256(bytes.data(), bytes.size());
  BOOST_TEST(digest.value() == sha256(file_hash.data(), file_hash.size()));
}

BOOST_AUTO_TEST_CASE(a_stopped_copy_resumed_from_its_offset_gives_the_same_file_and_hashes_as_one_run) {
  testing::temp_dir dir;
  const std::string bytes = random_bytes(32 * chunk + 7, 3);
  const auto s = make_spec(dir.path(), bytes, chunk);

  std::atomic<bool> stop{false};
  recorder first;
  auto stopped = copy_range(s, 0, stop, [&](const progress& p) {
    first.callback()(p);
    stop = true;  // at the first report
  });
  BOOST_REQUIRE(stopped);
  const auto at = stopped.value().offset;
  BOOST_TEST(!stopped.value().reached_end);
  BOOST_TEST(at % chunk == 0);
  BOOST_TEST(at >= chunk);
  BOOST_TEST(at < bytes.size());
  BOOST_TEST(stopped.value().bytes_written == at);
  BOOST_TEST(first.hashes.size() == at / chunk);

  // Another process resumes: the temp stays, the hash list continues.
  recorder second;
  second.hashes = first.hashes;
  auto resumed = run(s, at, second);
  BOOST_REQUIRE(resumed);
  BOOST_TEST(resumed.value().reached_end);
  BOOST_TEST(resumed.value().bytes_written == bytes.size() - at);
  BOOST_TEST(second.reports.front().offset > at);

  const auto one_shot_spec = make_spec(dir.path(), bytes, chunk, "one_shot");
  recorder one_shot;
  BOOST_REQUIRE(run(one_shot_spec, 0, one_shot));
  BOOST_TEST(second.hashes == one_shot.hashes);
  BOOST_TEST(read_file(s.temp) == bytes);
  auto digest = finalize(s, second.hashes);
  BOOST_REQUIRE(digest);
  BOOST_TEST(digest.value() == job_digest(one_shot.hashes));
}

BOOST_AUTO_TEST_CASE(a_stop_set_before_the_call_copies_nothing) {
  testing::temp_dir dir;
  const auto s = make_spec(dir.path(), random_bytes(4 * chunk, 4), chunk);
  const std::atomic<bool> stop{true};
  recorder rec;
  auto r = run(s, 2 * chunk, rec, stop);
  BOOST_REQUIRE(r);
  BOOST_TEST(r.value().offset == 2 * chunk);
  BOOST_TEST(!r.value().reached_end);
  BOOST_TEST(rec.reports.empty());
}

BOOST_AUTO_TEST_CASE(a_source_appended_to_during_the_copy_is_source_changed) {
  testing::temp_dir dir;
  const auto s = make_spec(dir.path(), random_bytes(32 * chunk, 5), chunk);
  recorder rec;
  auto r = copy_range(s, 0, never, [&](const progress& p) {
    if (rec.reports.empty()) append(s.source, "more");
    rec.callback()(p);
  });
  BOOST_REQUIRE(!r);
  require_code(r.error(), engine_errc::source_changed);
}

BOOST_AUTO_TEST_CASE(a_source_touched_during_the_copy_is_source_changed) {
  testing::temp_dir dir;
  const auto s = make_spec(dir.path(), random_bytes(32 * chunk, 6), chunk);
  recorder rec;
  auto r = copy_range(s, 0, never, [&](const progress& p) {
    if (rec.reports.empty()) {
      const timespec times[2] = {{0, UTIME_OMIT}, {12345, 0}};
      BOOST_REQUIRE(::utimensat(AT_FDCWD, s.source.c_str(), times, 0) == 0);
    }
    rec.callback()(p);
  });
  BOOST_REQUIRE(!r);
  require_code(r.error(), engine_errc::source_changed);
}

BOOST_AUTO_TEST_CASE(a_source_that_differs_from_the_recorded_identity_is_refused_at_once) {
  testing::temp_dir dir;
  auto s = make_spec(dir.path(), random_bytes(2 * chunk, 7), chunk);
  s.expect.size += 1;
  recorder rec;
  auto r = run(s, 0, rec);
  BOOST_REQUIRE(!r);
  require_code(r.error(), engine_errc::source_changed);
  BOOST_TEST(rec.reports.empty());
}

BOOST_AUTO_TEST_CASE(a_missing_source_is_not_found_and_a_directory_is_unreadable) {
  testing::temp_dir dir;
  auto s = make_spec(dir.path(), random_bytes(chunk, 8), chunk);
  fs::remove(s.source);
  recorder rec;
  auto missing = run(s, 0, rec);
  BOOST_REQUIRE(!missing);
  require_code(missing.error(), engine_errc::not_found);
  auto stat_missing = stat_source(s.source);
  BOOST_REQUIRE(!stat_missing);
  require_code(stat_missing.error(), engine_errc::not_found);

  fs::create_directory(s.source);
  auto stat_dir = stat_source(s.source);
  BOOST_REQUIRE(!stat_dir);
  require_code(stat_dir.error(), engine_errc::source_unreadable);
  auto dir_copy = run(s, 0, rec);
  BOOST_REQUIRE(!dir_copy);
  require_code(dir_copy.error(), engine_errc::source_unreadable);
}

BOOST_AUTO_TEST_CASE(a_start_that_is_not_a_chunk_boundary_is_refused) {
  testing::temp_dir dir;
  const auto s = make_spec(dir.path(), random_bytes(3 * chunk + 5, 9), chunk);
  recorder rec;
  BOOST_TEST(!run(s, 100, rec));
  BOOST_TEST(!run(s, 4 * chunk, rec));
  recorder at_end_rec;
  auto at_end = run(s, 3 * chunk + 5, at_end_rec);  // == size: nothing left, done
  BOOST_REQUIRE(at_end);
  BOOST_TEST(at_end_rec.reports.empty());
  BOOST_TEST(at_end.value().reached_end);
  BOOST_TEST(at_end.value().bytes_written == 0u);
}

BOOST_AUTO_TEST_CASE(an_empty_file_is_copied_with_no_chunks) {
  testing::temp_dir dir;
  const auto s = make_spec(dir.path(), "", chunk);
  recorder rec;
  auto r = run(s, 0, rec);
  BOOST_REQUIRE(r);
  BOOST_TEST(r.value().reached_end);
  BOOST_TEST(rec.hashes.empty());
  auto digest = finalize(s, {});
  BOOST_REQUIRE(digest);
  BOOST_TEST(digest.value() == job_digest({}));
  BOOST_TEST(fs::file_size(s.destination) == 0u);
}

BOOST_AUTO_TEST_CASE(a_longer_stale_temp_is_overwritten_and_cut_to_size) {
  testing::temp_dir dir;
  const std::string bytes = random_bytes(2 * chunk + 9, 10);
  const auto s = make_spec(dir.path(), bytes, chunk);
  write_file(s.temp, random_bytes(5 * chunk, 11));
  recorder rec;
  BOOST_REQUIRE(run(s, 0, rec));
  BOOST_TEST(read_file(s.temp) == bytes);
}

BOOST_AUTO_TEST_CASE(a_symlink_planted_at_the_temp_name_is_not_followed) {
  testing::temp_dir dir;
  const auto s = make_spec(dir.path(), random_bytes(chunk, 12), chunk);
  write_file(dir / "victim", "keep");
  fs::create_symlink(dir / "victim", s.temp);
  recorder rec;
  auto r = run(s, 0, rec);
  BOOST_REQUIRE(!r);
  require_code(r.error(), engine_errc::io_error);
  BOOST_TEST(read_file(dir / "victim") == "keep");
}

BOOST_AUTO_TEST_CASE(without_verify_the_bytes_are_copied_and_nothing_is_hashed) {
  testing::temp_dir dir;
  const std::string bytes = random_bytes(5 * chunk + 77, 13);
  auto s = make_spec(dir.path(), bytes, chunk);
  s.verify = false;
  recorder rec;
  auto r = run(s, 0, rec);
  BOOST_REQUIRE(r);
  BOOST_TEST(r.value().reached_end);
  BOOST_TEST(read_file(s.temp) == bytes);
  BOOST_TEST(rec.hashes.empty());
  BOOST_TEST(!rec.reports.empty());
  BOOST_TEST(rec.reports.back().offset == bytes.size());
}

BOOST_AUTO_TEST_CASE(without_verify_a_copy_across_file_systems_falls_back_to_read_and_write) {
  testing::temp_dir dir;
  tmpfs_mount mnt(dir / "mnt", "4m");
  if (!mnt.mounted()) {
    BOOST_TEST_MESSAGE("skipped: cannot mount a tmpfs here (" << mnt.error() << ")");
    return;
  }
  const std::string bytes = random_bytes(3 * chunk + 5, 15);
  auto s = make_spec(dir.path(), bytes, chunk);
  s.temp = dir / "mnt" / "dst.part";  // tmpfs, the source on the temp dir's file system
  s.verify = false;
  recorder rec;
  auto r = run(s, 0, rec);
  BOOST_REQUIRE(r);
  BOOST_TEST(r.value().reached_end);
  BOOST_TEST(read_file(s.temp) == bytes);
}

BOOST_AUTO_TEST_CASE(a_throttled_copy_reports_progress_inside_its_chunks) {
  testing::temp_dir dir;
  // 768 KiB at 1 MiB/s: about 0.75 s, so reports every 250 ms fall inside the
  // 512 KiB chunks.
  const std::string bytes = random_bytes(768 * KiB, 14);
  auto s = make_spec(dir.path(), bytes, 512 * KiB);
  s.max_rate = 1024 * KiB;
  recorder rec;
  auto r = run(s, 0, rec);
  BOOST_REQUIRE(r);
  BOOST_TEST(read_file(s.temp) == bytes);
  BOOST_TEST(rec.hashes == hashes_of(bytes, 512 * KiB));
  std::size_t mid_chunk = 0;
  for (std::size_t i = 0; i < rec.reports.size(); ++i) {
    const auto& p = rec.reports[i];
    if (i > 0) BOOST_TEST(rec.reports[i - 1].offset <= p.offset);
    if (!p.new_hashes.empty()) continue;
    ++mid_chunk;
    BOOST_TEST(p.offset < bytes.size());
  }
  BOOST_TEST(mid_chunk >= 1u);
}

BOOST_AUTO_TEST_SUITE_END()
