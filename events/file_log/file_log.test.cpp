#include "events/file_log/file_log.hpp"

#include "events/file_log/segment_name.hpp"
#include "events/file_log/test_support.hpp"
#include "events/log_errc.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <set>
#include <thread>

using namespace storemesh;
using namespace storemesh::events;
using namespace storemesh::events::file_log_testing;

namespace {

const partition_id p0{0};

template <class T>
log_errc errc_of(const result<T>& r) {
  BOOST_REQUIRE(!r);
  BOOST_REQUIRE(r.error().code.category() == log_category());
  return static_cast<log_errc>(r.error().code.value());
}

} // namespace

BOOST_AUTO_TEST_SUITE(file_log_basics)

BOOST_AUTO_TEST_CASE(appended_records_read_back_identical) {
  testing::temp_dir dir;
  auto log = open_log(test_options(dir.path()));
  BOOST_REQUIRE(log->create_topic("t", 1));
  const auto batch = make_batch("k", 10);
  BOOST_TEST(append_ok(*log, "t", p0, batch).value == 0);
  check_records(read_all(*log, "t", p0), batch);
}

BOOST_AUTO_TEST_CASE(offsets_are_consecutive_across_batches_and_partitions_are_independent) {
  testing::temp_dir dir;
  auto log = open_log(test_options(dir.path()));
  BOOST_REQUIRE(log->create_topic("t", 2));
  std::vector<record> all;
  std::int64_t expected = 0;
  for (int b = 1; b <= 5; ++b) {
    auto batch = make_batch("b" + std::to_string(b), b);
    BOOST_TEST(append_ok(*log, "t", p0, batch).value == expected);
    expected += b;
    all.insert(all.end(), batch.begin(), batch.end());
  }
  BOOST_TEST(end_of(*log, "t", p0).value == 15);
  BOOST_TEST(end_of(*log, "t", partition_id{1}).value == 0);
  BOOST_TEST(append_ok(*log, "t", partition_id{1}, make_batch("other", 1)).value == 0);
  check_records(read_all(*log, "t", p0), all);
}

BOOST_AUTO_TEST_CASE(records_survive_reopening_and_appends_continue_after_them) {
  testing::temp_dir dir;
  const auto opts = test_options(dir.path());
  const auto first = make_batch("first", 4);
  {
    auto log = open_log(opts);
    BOOST_REQUIRE(log->create_topic("t", 3));
    append_ok(*log, "t", p0, first);
  }
  auto log = open_log(opts);
  BOOST_TEST(log->partitions("t").value() == 3);
  check_records(read_all(*log, "t", p0), first);
  BOOST_TEST(append_ok(*log, "t", p0, make_batch("second", 2)).value == 4);
  BOOST_TEST(read_all(*log, "t", p0).size() == 6u);
}

BOOST_AUTO_TEST_CASE(reading_from_the_middle_of_a_batch_starts_at_that_offset) {
  testing::temp_dir dir;
  auto log = open_log(test_options(dir.path()));
  BOOST_REQUIRE(log->create_topic("t", 1));
  const auto a = make_batch("a", 5);
  const auto b = make_batch("b", 5);
  append_ok(*log, "t", p0, a);
  append_ok(*log, "t", p0, b);
  for (std::int64_t from = 0; from <= 10; ++from) {
    auto got = read_all(*log, "t", p0, offset{from});
    BOOST_REQUIRE_EQUAL(got.size(), static_cast<std::size_t>(10 - from));
    if (!got.empty()) {
      BOOST_TEST(got.front().off.value == from);
      BOOST_TEST(got.front().key == (from < 5 ? a[from].key : b[from - 5].key));
    }
  }
}

BOOST_AUTO_TEST_CASE(values_handed_out_by_readers_are_8_byte_aligned_in_memory) {
  testing::temp_dir dir;
  auto log = open_log(test_options(dir.path()));
  BOOST_REQUIRE(log->create_topic("t", 1));
  // Every key length mod 8 and odd value lengths, over several batches.
  for (int b = 0; b < 4; ++b) {
    std::vector<record> batch;
    for (std::size_t k = 0; k < 9; ++k)
      batch.push_back(record{std::string(k + b, 'k'), std::string(3 + 7 * k + b, 'v'), 0});
    append_ok(*log, "t", p0, batch);
  }
  for (std::int64_t from : {0, 5, 13}) {
    auto reader = log->read("t", p0, offset{from});
    BOOST_REQUIRE(reader);
    std::vector<record_view> views;
    std::size_t seen = 0;
    for (;;) {
      views.clear();
      auto n = reader.value()->poll(views, 100); // small polls: resume mid-batch too
      BOOST_REQUIRE(n);
      if (n.value() == 0)
        break;
      for (const auto& v : views) {
        BOOST_TEST(reinterpret_cast<std::uintptr_t>(v.value.data()) % 8 == 0u);
        ++seen;
      }
    }
    BOOST_TEST(seen == static_cast<std::size_t>(36 - from));
  }
}

BOOST_AUTO_TEST_CASE(a_poll_returns_about_max_bytes_but_at_least_one_record) {
  testing::temp_dir dir;
  auto log = open_log(test_options(dir.path()));
  BOOST_REQUIRE(log->create_topic("t", 1));
  append_ok(*log, "t", p0, make_batch("k", 20, 100));
  auto reader = log->read("t", p0, offset{0});
  BOOST_REQUIRE(reader);
  std::vector<record_view> views;
  BOOST_TEST(reader.value()->poll(views, 1).value() == 1u);
  BOOST_TEST(reader.value()->position().value == 1);
  BOOST_TEST(reader.value()->poll(views, 300).value() == 3u); // 3 x ~104 bytes reach 300
  BOOST_TEST(views.size() == 4u);
  BOOST_TEST(views.back().off.value == 3);
  BOOST_TEST(views.back().key == "k-3"); // the view stays valid until the next poll
  BOOST_TEST(reader.value()->poll(views).value() == 16u);
  BOOST_TEST(reader.value()->poll(views).value() == 0u);
  BOOST_TEST(reader.value()->position().value == 20);
}

BOOST_AUTO_TEST_CASE(segments_roll_at_the_configured_size_and_reads_cross_them) {
  testing::temp_dir dir;
  const auto opts = test_options(dir.path(), 2048);
  std::vector<record> all;
  {
    auto log = open_log(opts);
    BOOST_REQUIRE(log->create_topic("t", 1));
    for (int b = 0; b < 60; ++b) {
      auto batch = make_batch("b" + std::to_string(b), 1 + b % 4);
      append_ok(*log, "t", p0, batch);
      all.insert(all.end(), batch.begin(), batch.end());
    }
    check_records(read_all(*log, "t", p0), all);
  }
  auto bases = file_log_detail::list_segments(dir / "t" / "0");
  BOOST_REQUIRE(bases);
  BOOST_TEST(bases.value().size() > 10u);
  for (auto base : bases.value())
    BOOST_TEST(fs::file_size(file_log_detail::segment_path(dir / "t" / "0", base)) <= 2048u);

  auto log = open_log(opts);
  check_records(read_all(*log, "t", p0), all);
  for (std::int64_t from = 0; from < static_cast<std::int64_t>(all.size()); from += 7) {
    auto got = read_all(*log, "t", p0, offset{from});
    BOOST_REQUIRE_EQUAL(got.size(), all.size() - static_cast<std::size_t>(from));
    BOOST_TEST(got.front().key == all[from].key);
  }
  BOOST_TEST(append_ok(*log, "t", p0, make_batch("last", 1)).value == static_cast<std::int64_t>(all.size()));
}

BOOST_AUTO_TEST_CASE(a_batch_larger_than_a_segment_gets_a_segment_of_its_own) {
  testing::temp_dir dir;
  auto log = open_log(test_options(dir.path(), 1024));
  BOOST_REQUIRE(log->create_topic("t", 1));
  append_ok(*log, "t", p0, make_batch("small", 1, 10));
  append_ok(*log, "t", p0, make_batch("big", 3, 2000));
  append_ok(*log, "t", p0, make_batch("small", 1, 10));
  auto bases = file_log_detail::list_segments(dir / "t" / "0");
  BOOST_TEST(bases.value() == (std::vector<offset>{offset{0}, offset{1}, offset{4}}));
  BOOST_TEST(read_all(*log, "t", p0).size() == 5u);
}

BOOST_AUTO_TEST_CASE(reads_deep_into_a_large_segment_find_the_right_batch) {
  // Exercises the sparse index: many batches in one segment, read from
  // everywhere, twice (the second time from the index).
  testing::temp_dir dir;
  auto log = open_log(test_options(dir.path()));
  BOOST_REQUIRE(log->create_topic("t", 1));
  for (int b = 0; b < 1500; ++b)
    append_ok(*log, "t", p0, make_batch("b" + std::to_string(b), 2, 100));
  for (int round = 0; round < 2; ++round)
    for (std::int64_t from = 2999; from >= 0; from -= 251) {
      auto reader = log->read("t", p0, offset{from});
      BOOST_REQUIRE(reader);
      std::vector<record_view> views;
      BOOST_REQUIRE(reader.value()->poll(views, 1).value() == 1u);
      BOOST_TEST(views[0].off.value == from);
      BOOST_TEST(views[0].key == "b" + std::to_string(from / 2) + "-" + std::to_string(from % 2));
    }
}

BOOST_AUTO_TEST_CASE(concurrent_appenders_in_one_process_lose_nothing) {
  testing::temp_dir dir;
  auto opts = test_options(dir.path(), 64 * 1024);
  opts.sync = fsync_policy::always; // exercises the shared fdatasync
  auto log = open_log(opts);
  BOOST_REQUIRE(log->create_topic("t", 1));
  constexpr int threads = 4, batches = 25, per_batch = 3;
  std::vector<std::thread> ts;
  std::vector<std::vector<std::int64_t>> offsets(threads);
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      for (int b = 0; b < batches; ++b) {
        auto off = log->append("t", p0, make_batch("t" + std::to_string(t) + "b" + std::to_string(b), per_batch));
        offsets[t].push_back(off ? off.value().value : -1);
      }
    });
  for (auto& t : ts)
    t.join();
  std::set<std::int64_t> firsts;
  for (const auto& o : offsets)
    firsts.insert(o.begin(), o.end());
  BOOST_TEST(firsts.size() == static_cast<std::size_t>(threads * batches));
  BOOST_TEST(*firsts.begin() == 0);
  auto all = read_all(*log, "t", p0);
  BOOST_REQUIRE_EQUAL(all.size(), static_cast<std::size_t>(threads * batches * per_batch));
  std::set<std::string> keys;
  for (std::size_t i = 0; i < all.size(); ++i) {
    BOOST_TEST(all[i].off.value == static_cast<std::int64_t>(i));
    keys.insert(all[i].key);
  }
  BOOST_TEST(keys.size() == all.size());
}

BOOST_AUTO_TEST_CASE(the_interval_policy_syncs_in_the_background_and_on_close) {
  testing::temp_dir dir;
  auto opts = test_options(dir.path());
  opts.sync = fsync_policy::interval;
  opts.sync_interval = std::chrono::milliseconds(5);
  {
    auto log = open_log(opts);
    BOOST_REQUIRE(log->create_topic("t", 1));
    for (int b = 0; b < 5; ++b) {
      append_ok(*log, "t", p0, make_batch("b", 2));
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
    }
  }
  auto log = open_log(opts);
  BOOST_TEST(read_all(*log, "t", p0).size() == 10u);
}

BOOST_AUTO_TEST_CASE(create_topic_is_idempotent_and_an_existing_topic_keeps_its_partition_count) {
  testing::temp_dir dir;
  auto log = open_log(test_options(dir.path()));
  BOOST_REQUIRE(log->create_topic("t", 3));
  BOOST_REQUIRE(log->create_topic("t", 5));
  BOOST_TEST(log->partitions("t").value() == 3);
  BOOST_TEST(file_bytes(dir / "t" / "partitions") == "3\n");
  auto other = open_log(test_options(dir.path())); // another process's view
  BOOST_REQUIRE(other->create_topic("t", 7));
  BOOST_TEST(other->partitions("t").value() == 3);
  for (int p = 0; p < 3; ++p)
    BOOST_TEST(fs::is_directory(dir / "t" / std::to_string(p)));
  for (const auto& e : fs::directory_iterator(dir / "t"))
    BOOST_TEST(e.path().filename().string().find(".tmp") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_topic_created_by_another_instance_is_found) {
  testing::temp_dir dir;
  auto a = open_log(test_options(dir.path()));
  auto b = open_log(test_options(dir.path()));
  BOOST_TEST(errc_of(b->partitions("t")) == log_errc::unknown_topic);
  BOOST_REQUIRE(a->create_topic("t", 2));
  BOOST_TEST(b->partitions("t").value() == 2);
  BOOST_TEST(append_ok(*b, "t", partition_id{1}, make_batch("x", 1)).value == 0);
}

BOOST_AUTO_TEST_CASE(unknown_topics_and_partitions_are_reported) {
  testing::temp_dir dir;
  auto log = open_log(test_options(dir.path()));
  BOOST_REQUIRE(log->create_topic("t", 2));
  BOOST_TEST(errc_of(log->partitions("nope")) == log_errc::unknown_topic);
  BOOST_TEST(errc_of(log->append("nope", p0, make_batch("k", 1))) == log_errc::unknown_topic);
  BOOST_TEST(errc_of(log->end_offset("nope", p0)) == log_errc::unknown_topic);
  BOOST_TEST(errc_of(log->read("nope", p0, offset{0})) == log_errc::unknown_topic);
  BOOST_TEST(errc_of(log->append("t", partition_id{2}, make_batch("k", 1))) == log_errc::unknown_partition);
  BOOST_TEST(errc_of(log->append("t", partition_id{-1}, make_batch("k", 1))) == log_errc::unknown_partition);
  BOOST_TEST(errc_of(log->wait_beyond("t", partition_id{9}, offset{0}, std::chrono::milliseconds(1))) ==
             log_errc::unknown_partition);
  BOOST_TEST(errc_of(log->create_topic("u", 0)) == log_errc::unknown_partition);
}

BOOST_AUTO_TEST_CASE(bad_topic_names_are_rejected_without_touching_the_disk) {
  testing::temp_dir dir;
  auto log = open_log(test_options(dir.path()));
  for (const std::string& bad : std::vector<std::string>{"", ".", "..", "../escape", "a/b", "sp ace", std::string(201, 'x')}) {
    BOOST_TEST(errc_of(log->create_topic(bad, 1)) == log_errc::bad_topic_name);
    BOOST_TEST(errc_of(log->partitions(bad)) == log_errc::bad_topic_name);
    BOOST_TEST(errc_of(log->append(bad, p0, make_batch("k", 1))) == log_errc::bad_topic_name);
  }
  BOOST_TEST(fs::is_empty(dir.path()));
}

BOOST_AUTO_TEST_CASE(reading_beyond_the_end_is_out_of_range_and_at_the_end_waits) {
  testing::temp_dir dir;
  auto log = open_log(test_options(dir.path()));
  BOOST_REQUIRE(log->create_topic("t", 1));
  BOOST_TEST(read_all(*log, "t", p0).empty()); // an empty partition reads as empty
  BOOST_TEST(errc_of(log->read("t", p0, offset{1})) == log_errc::offset_out_of_range);
  append_ok(*log, "t", p0, make_batch("k", 3));
  BOOST_TEST(errc_of(log->read("t", p0, offset{4})) == log_errc::offset_out_of_range);
  BOOST_TEST(errc_of(log->read("t", p0, offset{-1})) == log_errc::offset_out_of_range);
  auto at_end = log->read("t", p0, offset{3});
  BOOST_REQUIRE(at_end);
  BOOST_TEST(drain(*at_end.value()).empty());
  append_ok(*log, "t", p0, make_batch("more", 2));
  BOOST_TEST(drain(*at_end.value()).size() == 2u);
}

BOOST_AUTO_TEST_CASE(an_empty_batch_is_a_bad_batch_and_appends_nothing) {
  testing::temp_dir dir;
  auto log = open_log(test_options(dir.path()));
  BOOST_REQUIRE(log->create_topic("t", 1));
  BOOST_TEST(errc_of(log->append("t", p0, {})) == log_errc::bad_batch);
  BOOST_TEST(end_of(*log, "t", p0).value == 0);
}

BOOST_AUTO_TEST_CASE(the_layout_on_disk_is_the_documented_one) {
  testing::temp_dir dir;
  auto opts = test_options(dir / "root"); // created by open
  opts.sync = fsync_policy::always;
  auto log = open_log(opts);
  BOOST_REQUIRE(log->create_topic("storemesh.commands", 2));
  append_ok(*log, "storemesh.commands", partition_id{1}, make_batch("k", 1));
  const auto topic = dir / "root" / "storemesh.commands";
  BOOST_TEST(file_bytes(topic / "partitions") == "2\n");
  BOOST_TEST(fs::exists(topic / "1" / "lock"));
  BOOST_TEST(fs::exists(topic / "1" / "00000000000000000000.seg"));
  BOOST_TEST(file_bytes(topic / "1" / "00000000000000000000.seg").substr(0, 4) == "SMB1");
}

BOOST_AUTO_TEST_SUITE_END()
