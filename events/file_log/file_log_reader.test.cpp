// Readers: following other writers (another file_log instance on the same
// directory behaves like another process: its own descriptors, its own
// flock), waiting at the tail, and refusing to read past corruption.

#include "events/file_log/file_log_reader.hpp"

#include "events/file_log/batch_format.hpp"
#include "events/file_log/segment_name.hpp"
#include "events/file_log/test_support.hpp"
#include "events/log_errc.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <thread>

using namespace storemesh;
using namespace storemesh::events;
using namespace storemesh::events::file_log_testing;
using namespace std::chrono_literals;

namespace {

const partition_id p0{0};

} // namespace

BOOST_AUTO_TEST_SUITE(file_log_readers)

BOOST_AUTO_TEST_CASE(a_reader_follows_appends_of_another_instance_across_segment_rolls) {
  testing::temp_dir dir;
  auto writer = open_log(test_options(dir.path(), 2048));
  auto reader_log = open_log(test_options(dir.path(), 2048));
  BOOST_REQUIRE(writer->create_topic("t", 1));
  auto reader = reader_log->read("t", p0, offset{0}); // before the first segment exists
  BOOST_REQUIRE(reader);
  BOOST_TEST(drain(*reader.value()).empty());

  std::vector<record> all;
  std::size_t consumed = 0;
  const auto check_new_records = [&] {
    const std::vector<record> fresh(all.begin() + static_cast<std::ptrdiff_t>(consumed), all.end());
    check_records(drain(*reader.value()), fresh, static_cast<std::int64_t>(consumed));
    consumed = all.size();
  };
  for (int b = 0; b < 30; ++b) {
    auto batch = make_batch("b" + std::to_string(b), 2);
    append_ok(*writer, "t", p0, batch);
    all.insert(all.end(), batch.begin(), batch.end());
    BOOST_TEST(end_of(*reader_log, "t", p0).value == static_cast<std::int64_t>(all.size()));
    if (b % 7 == 0) // sometimes caught up, sometimes several segments behind
      check_new_records();
  }
  BOOST_TEST(file_log_detail::list_segments(dir / "t" / "0").value().size() > 5u);
  check_new_records();
  BOOST_TEST(reader.value()->position().value == 60);
  check_records(read_all(*reader_log, "t", p0), all);
}

BOOST_AUTO_TEST_CASE(wait_beyond_wakes_at_once_on_an_append_in_the_same_log) {
  testing::temp_dir dir;
  auto log = open_log(test_options(dir.path()));
  BOOST_REQUIRE(log->create_topic("t", 1));
  std::thread appender([&] {
    std::this_thread::sleep_for(30ms);
    (void)log->append("t", p0, make_batch("k", 3));
  });
  const auto start = std::chrono::steady_clock::now();
  auto end = log->wait_beyond("t", p0, offset{0}, 5s);
  const auto waited = std::chrono::steady_clock::now() - start;
  appender.join();
  BOOST_REQUIRE(end);
  BOOST_TEST(end.value().value == 3);
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(waited).count() < 1000);
}

BOOST_AUTO_TEST_CASE(wait_beyond_sees_appends_of_another_instance_by_polling) {
  testing::temp_dir dir;
  auto writer = open_log(test_options(dir.path(), 1024));
  auto waiter = open_log(test_options(dir.path(), 1024));
  BOOST_REQUIRE(writer->create_topic("t", 1));
  for (int round = 0; round < 5; ++round) { // includes rolls: 1 KiB segments
    const offset known = end_of(*waiter, "t", p0);
    std::thread appender([&] {
      std::this_thread::sleep_for(20ms);
      (void)writer->append("t", p0, make_batch("k", 2, 400));
    });
    auto end = waiter->wait_beyond("t", p0, known, 5s);
    appender.join();
    BOOST_REQUIRE(end);
    BOOST_TEST(end.value().value == known.value + 2);
  }
}

BOOST_AUTO_TEST_CASE(wait_beyond_returns_the_known_offset_on_timeout) {
  testing::temp_dir dir;
  auto log = open_log(test_options(dir.path()));
  BOOST_REQUIRE(log->create_topic("t", 1));
  append_ok(*log, "t", p0, make_batch("k", 2));
  BOOST_TEST(log->wait_beyond("t", p0, offset{2}, 20ms).value().value == 2);
  BOOST_TEST(log->wait_beyond("t", p0, offset{1}, 0ms).value().value == 2); // already beyond
}

BOOST_AUTO_TEST_CASE(an_incomplete_batch_at_the_tail_is_not_yet_and_is_read_once_complete) {
  testing::temp_dir dir;
  auto log = open_log(test_options(dir.path()));
  BOOST_REQUIRE(log->create_topic("t", 1));
  append_ok(*log, "t", p0, make_batch("a", 2));
  const auto seg = segment_of(dir.path(), "t", 0, 0);
  const auto one = file_bytes(seg);
  append_ok(*log, "t", p0, make_batch("b", 2));
  const auto two = file_bytes(seg);

  // Replay a write in progress by another process, a few bytes at a time.
  write_file(seg, one);
  auto reader = log->read("t", p0, offset{0});
  BOOST_REQUIRE(reader);
  BOOST_TEST(drain(*reader.value()).size() == 2u);
  for (std::size_t cut : {one.size() + 3, one.size() + 48, two.size() - 8}) {
    write_file(seg, two.substr(0, cut));
    BOOST_TEST(drain(*reader.value()).empty());
  }
  write_file(seg, two);
  auto rest = drain(*reader.value());
  BOOST_REQUIRE_EQUAL(rest.size(), 2u);
  BOOST_TEST(rest[0].key == "b-0");
}

BOOST_AUTO_TEST_CASE(corruption_in_a_rolled_segment_is_reported_and_nothing_after_it_is_returned) {
  testing::temp_dir dir;
  const auto opts = test_options(dir.path(), 1024);
  {
    auto log = open_log(opts);
    BOOST_REQUIRE(log->create_topic("t", 1));
    for (int b = 0; b < 12; ++b)
      append_ok(*log, "t", p0, make_batch("b" + std::to_string(b), 2, 200)); // ~2 batches per segment
  }
  auto bases = file_log_detail::list_segments(dir / "t" / "0").value();
  BOOST_REQUIRE(bases.size() >= 4u);
  const auto victim = file_log_detail::segment_path(dir / "t" / "0", bases[1]);
  auto bytes = file_bytes(victim);
  bytes[bytes.size() - 30] ^= 0x04; // in the victim segment's last batch
  write_file(victim, bytes);

  auto log = open_log(opts); // writable: recovers only the last segment
  BOOST_TEST(file_bytes(victim) == bytes);

  auto reader = log->read("t", p0, offset{0});
  BOOST_REQUIRE(reader);
  std::vector<record_view> views;
  std::int64_t last = -1;
  result<std::size_t> n = std::size_t{0};
  while ((n = reader.value()->poll(views)) && n.value() > 0) {
    last = views.back().off.value;
    views.clear();
  }
  BOOST_REQUIRE(!n);
  BOOST_TEST(n.error().code == make_error_code(log_errc::corrupt_record));
  BOOST_TEST_MESSAGE(n.error().message());
  BOOST_TEST(last == bases[2].value - 3); // the victim's last batch held the two before bases[2]
  BOOST_TEST(!reader.value()->poll(views)); // stays failed
  BOOST_TEST(views.empty());

  // The same with a read-only log, whose reader confirms under the shared lock.
  auto ro_opts = opts;
  ro_opts.read_only = true;
  auto ro = open_log(ro_opts);
  auto ro_reader = ro->read("t", p0, offset{bases[1].value});
  BOOST_REQUIRE(ro_reader);
  std::size_t returned = 0;
  while ((n = ro_reader.value()->poll(views)) && n.value() > 0)
    returned += n.value();
  BOOST_TEST(returned == 2u);
  BOOST_REQUIRE(!n);
  BOOST_TEST(n.error().code == make_error_code(log_errc::corrupt_record));
  BOOST_TEST(file_bytes(victim) == bytes);
}

BOOST_AUTO_TEST_CASE(a_missing_segment_is_corruption_not_the_end_of_the_log) {
  testing::temp_dir dir;
  const auto opts = test_options(dir.path(), 1024);
  auto log = open_log(opts);
  BOOST_REQUIRE(log->create_topic("t", 1));
  for (int b = 0; b < 8; ++b)
    append_ok(*log, "t", p0, make_batch("b" + std::to_string(b), 2, 200));
  auto bases = file_log_detail::list_segments(dir / "t" / "0").value();
  BOOST_REQUIRE(bases.size() >= 3u);
  fs::remove(file_log_detail::segment_path(dir / "t" / "0", bases[1]));

  auto reader = log->read("t", p0, offset{0});
  BOOST_REQUIRE(reader);
  std::vector<record_view> views;
  result<std::size_t> n = std::size_t{0};
  while ((n = reader.value()->poll(views)) && n.value() > 0)
    views.clear();
  BOOST_REQUIRE(!n);
  BOOST_TEST(n.error().code == make_error_code(log_errc::corrupt_record));
}

BOOST_AUTO_TEST_CASE(a_big_batch_grows_the_reader_buffer_and_stays_aligned) {
  testing::temp_dir dir;
  auto log = open_log(test_options(dir.path()));
  BOOST_REQUIRE(log->create_topic("t", 1));
  append_ok(*log, "t", p0, make_batch("small", 3, 1000));
  append_ok(*log, "t", p0, make_batch("big", 3, 900 * 1024)); // 2.7 MiB > the 1 MiB buffer
  append_ok(*log, "t", p0, make_batch("small2", 3, 1000));
  auto reader = log->read("t", p0, offset{0});
  BOOST_REQUIRE(reader);
  std::vector<record_view> views;
  std::size_t total = 0;
  for (;;) {
    views.clear();
    auto n = reader.value()->poll(views);
    BOOST_REQUIRE(n);
    if (n.value() == 0)
      break;
    for (const auto& v : views) {
      BOOST_TEST(reinterpret_cast<std::uintptr_t>(v.value.data()) % 8 == 0u);
      BOOST_TEST(v.value.substr(0, v.key.size()) == v.key);
    }
    total += n.value();
  }
  BOOST_TEST(total == 9u);
}

BOOST_AUTO_TEST_SUITE_END()
