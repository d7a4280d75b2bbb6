// The event_log contract, run on the FileLog and on the KafkaLog alike: every
// LOG_CONFORMANCE_CASE body runs once per log (test_support.hpp), so the two
// logs are held to one behaviour: offsets, order within a partition, reading
// from any offset, readers, waiting, errors.

#include "events/kafka_log/test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <iostream>
#include <map>
#include <set>
#include <thread>

using namespace storemesh;
using namespace storemesh::events;
using namespace storemesh::events::file_log_testing;
using namespace storemesh::events::kafka_log_testing;

BOOST_AUTO_TEST_SUITE(log_conformance)

LOG_CONFORMANCE_CASE(create_topic_is_idempotent_and_an_existing_topic_keeps_its_partition_count) {
  const auto topic = t.topic("idem");
  create(t.log(), topic, 3);
  create(t.log(), topic, 3);
  create(t.log(), topic, 5);
  BOOST_TEST(t.log().partitions(topic).value() == 3);
  for (int p = 0; p < 3; ++p)
    BOOST_TEST(end_of(t.log(), topic, partition_id{p}).value == 0);
}

LOG_CONFORMANCE_CASE(a_batch_reads_back_identical_from_the_start_and_from_the_middle) {
  const auto topic = t.topic("roundtrip");
  create(t.log(), topic, 1);
  const auto batch = ms_batch("k", 10);
  BOOST_TEST(append_ok(t.log(), topic, p0, batch).value == 0);
  check_records(read_all(t.log(), topic, p0), batch);
  for (std::int64_t from : {1, 5, 9, 10}) {
    auto got = read_all(t.log(), topic, p0, offset{from});
    check_records(got, std::vector<record>(batch.begin() + from, batch.end()), from);
  }
}

LOG_CONFORMANCE_CASE(offsets_are_consecutive_across_batches_and_partitions_are_independent) {
  const auto topic = t.topic("offsets");
  create(t.log(), topic, 2);
  std::vector<record> all;
  std::int64_t expected = 0;
  for (int b = 1; b <= 5; ++b) {
    auto batch = ms_batch("b" + std::to_string(b), b);
    BOOST_TEST(append_ok(t.log(), topic, p0, batch).value == expected);
    expected += b;
    all.insert(all.end(), batch.begin(), batch.end());
  }
  BOOST_TEST(end_of(t.log(), topic, p0).value == 15);
  BOOST_TEST(end_of(t.log(), topic, partition_id{1}).value == 0);
  BOOST_TEST(append_ok(t.log(), topic, partition_id{1}, ms_batch("other", 1)).value == 0);
  check_records(read_all(t.log(), topic, p0), all);
  // Reading from every offset starts exactly there.
  for (std::int64_t from = 0; from <= 15; ++from) {
    auto got = read_all(t.log(), topic, p0, offset{from});
    BOOST_REQUIRE_EQUAL(got.size(), static_cast<std::size_t>(15 - from));
    if (!got.empty())
      BOOST_TEST(got.front().key == all[from].key);
  }
}

LOG_CONFORMANCE_CASE(concurrent_appenders_lose_nothing_and_each_batch_is_contiguous) {
  const auto topic = t.topic("concurrent");
  create(t.log(), topic, 1);
  constexpr int threads = 2, batches = 40, per_batch = 7;
  std::vector<std::thread> ts;
  std::vector<std::vector<std::int64_t>> firsts(threads);
  for (int th = 0; th < threads; ++th)
    ts.emplace_back([&, th] {
      for (int b = 0; b < batches; ++b) {
        auto off = t.log().append(topic, p0, ms_batch("t" + std::to_string(th) + "b" + std::to_string(b), per_batch));
        firsts[th].push_back(off ? off.value().value : -1);
      }
    });
  for (auto& th : ts)
    th.join();
  auto all = read_all(t.log(), topic, p0);
  BOOST_REQUIRE_EQUAL(all.size(), static_cast<std::size_t>(threads * batches * per_batch));
  std::set<std::string> keys;
  for (std::size_t i = 0; i < all.size(); ++i) {
    BOOST_TEST(all[i].off.value == static_cast<std::int64_t>(i));
    keys.insert(all[i].key);
  }
  BOOST_TEST(keys.size() == all.size());
  // Each batch sits whole at the offset its append() returned.
  for (int th = 0; th < threads; ++th)
    for (int b = 0; b < batches; ++b) {
      const std::int64_t first = firsts[th][b];
      BOOST_REQUIRE(first >= 0);
      const std::string tag = "t" + std::to_string(th) + "b" + std::to_string(b);
      for (int i = 0; i < per_batch; ++i)
        BOOST_TEST(all[first + i].key == tag + "-" + std::to_string(i));
    }
}

LOG_CONFORMANCE_CASE(end_offset_is_the_offset_the_next_record_gets) {
  const auto topic = t.topic("end");
  create(t.log(), topic, 1);
  BOOST_TEST(end_of(t.log(), topic, p0).value == 0);
  append_ok(t.log(), topic, p0, ms_batch("a", 3));
  BOOST_TEST(end_of(t.log(), topic, p0).value == 3);
  BOOST_TEST(append_ok(t.log(), topic, p0, ms_batch("b", 1)).value == 3);
  BOOST_TEST(end_of(t.log(), topic, p0).value == 4);
}

LOG_CONFORMANCE_CASE(wait_beyond_wakes_on_an_append_and_times_out_otherwise) {
  const auto topic = t.topic("wait");
  create(t.log(), topic, 1);
  append_ok(t.log(), topic, p0, ms_batch("a", 2));

  // Already beyond: at once.
  auto now = t.log().wait_beyond(topic, p0, offset{0}, 5s);
  BOOST_REQUIRE(now);
  BOOST_TEST(now.value().value == 2);

  // Nothing appended: the timeout, and the end as it is.
  auto t0 = steady::now();
  auto idle = t.log().wait_beyond(topic, p0, offset{2}, 300ms);
  const double idle_s = seconds_since(t0);
  BOOST_REQUIRE(idle);
  BOOST_TEST(idle.value().value == 2);
  BOOST_TEST(idle_s >= 0.29);
  BOOST_TEST(idle_s < 3.0);

  // An append by another thread wakes the waiter, well before its timeout.
  for (int round = 0; round < 3; ++round) {
    const std::int64_t known = 2 + round;
    std::thread writer([&] {
      std::this_thread::sleep_for(150ms);
      append_ok(t.log(), topic, p0, ms_batch("w" + std::to_string(round), 1));
    });
    t0 = steady::now();
    auto woke = t.log().wait_beyond(topic, p0, offset{known}, 10s);
    const double woke_s = seconds_since(t0);
    writer.join();
    BOOST_REQUIRE_MESSAGE(woke, (woke ? std::string() : woke.error().message()));
    BOOST_TEST(woke.value().value == known + 1);
    BOOST_TEST(woke_s < 2.0);
    std::cout << t.name() << ": wait_beyond woke " << (woke_s - 0.150) * 1e3 << " ms after a 150 ms delayed append"
              << std::endl;
  }
}

LOG_CONFORMANCE_CASE(unknown_topics_partitions_and_bad_input_are_reported) {
  const auto topic = t.topic("known");
  const auto nope = t.topic("nope");
  create(t.log(), topic, 2);
  BOOST_TEST(errc_of(t.log().partitions(nope)) == log_errc::unknown_topic);
  BOOST_TEST(errc_of(t.log().append(nope, p0, ms_batch("k", 1))) == log_errc::unknown_topic);
  BOOST_TEST(errc_of(t.log().end_offset(nope, p0)) == log_errc::unknown_topic);
  BOOST_TEST(errc_of(t.log().read(nope, p0, offset{0})) == log_errc::unknown_topic);
  BOOST_TEST(errc_of(t.log().wait_beyond(nope, p0, offset{0}, 1ms)) == log_errc::unknown_topic);
  BOOST_TEST(errc_of(t.log().append(topic, partition_id{2}, ms_batch("k", 1))) == log_errc::unknown_partition);
  BOOST_TEST(errc_of(t.log().append(topic, partition_id{-1}, ms_batch("k", 1))) == log_errc::unknown_partition);
  BOOST_TEST(errc_of(t.log().end_offset(topic, partition_id{2})) == log_errc::unknown_partition);
  BOOST_TEST(errc_of(t.log().wait_beyond(topic, partition_id{9}, offset{0}, 1ms)) == log_errc::unknown_partition);
  BOOST_TEST(errc_of(t.log().create_topic(t.topic("zero"), 0)) == log_errc::unknown_partition);
  BOOST_TEST(errc_of(t.log().append(topic, p0, {})) == log_errc::bad_batch);
  BOOST_TEST(end_of(t.log(), topic, p0).value == 0);
  for (const std::string& bad : std::vector<std::string>{"", ".", "..", "../escape", "a/b", "sp ace"}) {
    BOOST_TEST(errc_of(t.log().create_topic(bad, 1)) == log_errc::bad_topic_name);
    BOOST_TEST(errc_of(t.log().partitions(bad)) == log_errc::bad_topic_name);
    BOOST_TEST(errc_of(t.log().append(bad, p0, ms_batch("k", 1))) == log_errc::bad_topic_name);
  }
}

LOG_CONFORMANCE_CASE(a_topic_created_elsewhere_is_found) {
  const auto topic = t.topic("elsewhere");
  BOOST_TEST(errc_of(t.log().partitions(topic)) == log_errc::unknown_topic);
  // Another instance on the same storage creates it.
  std::unique_ptr<event_log> other;
  if (t.kind() == log_kind::kafka)
    other = std::move(kafka_log::open(kafka_options()).value());
  else
    other = open_log(static_cast<file_log&>(t.log()).options());
  create(*other, topic, 2);
  BOOST_TEST(t.log().partitions(topic).value() == 2);
  BOOST_TEST(append_ok(t.log(), topic, partition_id{1}, ms_batch("x", 1)).value == 0);
}

LOG_CONFORMANCE_CASE(reading_beyond_the_end_is_out_of_range_and_a_reader_at_the_end_sees_later_appends) {
  const auto topic = t.topic("at-end");
  create(t.log(), topic, 1);
  BOOST_TEST(read_all(t.log(), topic, p0).empty()); // an empty partition reads as empty
  BOOST_TEST(errc_of(t.log().read(topic, p0, offset{1})) == log_errc::offset_out_of_range);
  append_ok(t.log(), topic, p0, ms_batch("k", 3));
  BOOST_TEST(errc_of(t.log().read(topic, p0, offset{4})) == log_errc::offset_out_of_range);
  BOOST_TEST(errc_of(t.log().read(topic, p0, offset{-1})) == log_errc::offset_out_of_range);

  auto at_end = t.log().read(topic, p0, offset{3});
  BOOST_REQUIRE(at_end);
  log_reader& reader = *at_end.value();
  BOOST_TEST(drain(reader).empty());
  BOOST_TEST(reader.position().value == 3);
  const auto more = ms_batch("more", 2);
  append_ok(t.log(), topic, p0, more);
  auto got = read_n(reader, 2);
  check_records(got, more, 3);
  BOOST_TEST(reader.position().value == 5);
  BOOST_TEST(drain(reader).empty());
}

LOG_CONFORMANCE_CASE(a_poll_returns_about_max_bytes_but_at_least_one_record_and_views_live_until_the_next_poll) {
  const auto topic = t.topic("max-bytes");
  create(t.log(), topic, 1);
  append_ok(t.log(), topic, p0, ms_batch("k", 20, 100));
  auto r = t.log().read(topic, p0, offset{0});
  BOOST_REQUIRE(r);
  log_reader& reader = *r.value();
  std::vector<record_view> views;
  // The first poll may find only part of what is fetched; ask for one record.
  BOOST_TEST(reader.poll(views, 1).value() == 1u);
  BOOST_TEST(reader.position().value == 1);
  BOOST_TEST(views[0].key == "k-0");
  std::size_t seen = 1;
  while (seen < 20) {
    views.clear();
    auto n = reader.poll(views, 300); // 3 x ~104 bytes reach 300
    BOOST_REQUIRE(n);
    BOOST_REQUIRE(n.value() >= 1u);
    BOOST_TEST(n.value() <= 3u);
    for (std::size_t i = 0; i < views.size(); ++i) // views are intact until the next poll
      BOOST_TEST(views[i].key == "k-" + std::to_string(seen + i));
    seen += n.value();
  }
  BOOST_TEST(seen == 20u);
  BOOST_TEST(reader.poll(views).value() == 0u);
  BOOST_TEST(reader.position().value == 20);
}

LOG_CONFORMANCE_CASE(values_handed_out_by_readers_are_8_byte_aligned) {
  const auto topic = t.topic("aligned");
  create(t.log(), topic, 1);
  for (int b = 0; b < 4; ++b) {
    std::vector<record> batch;
    for (std::size_t k = 0; k < 9; ++k)
      batch.push_back(record{std::string(k + b, 'k'), std::string(3 + 7 * k + b, 'v'), 0});
    append_ok(t.log(), topic, p0, batch);
  }
  for (std::int64_t from : {0, 5, 13}) {
    auto got = t.log().read(topic, p0, offset{from});
    BOOST_REQUIRE(got);
    std::vector<record_view> views;
    std::size_t seen = 0;
    for (;;) {
      views.clear();
      auto n = got.value()->poll(views, 100);
      BOOST_REQUIRE(n);
      if (n.value() == 0)
        break;
      for (const auto& v : views) {
        BOOST_TEST(reinterpret_cast<std::uintptr_t>(v.value.data()) % 8 == 0u);
        BOOST_TEST(v.value == std::string(v.value.size(), 'v'));
        ++seen;
      }
    }
    BOOST_TEST(seen == static_cast<std::size_t>(36 - from));
  }
}

LOG_CONFORMANCE_CASE(records_keyed_by_entity_land_in_partition_for_their_key_in_order) {
  const auto topic = t.topic("keyed");
  constexpr int partitions = 3;
  create(t.log(), topic, partitions);
  // Five entities, four events each, appended one by one in a round robin.
  std::map<int, std::vector<std::string>> expected; // partition -> "entity:seq" in append order
  for (int seq = 0; seq < 4; ++seq)
    for (int e = 0; e < 5; ++e) {
      const std::string key = "host-" + std::to_string(e);
      const auto p = partition_for(key, partitions);
      const std::string value = key + ":" + std::to_string(seq);
      append_ok(t.log(), topic, p, {record{key, value, 0}});
      expected[p.value].push_back(value);
    }
  for (int p = 0; p < partitions; ++p) {
    auto got = read_all(t.log(), topic, partition_id{p});
    BOOST_REQUIRE_EQUAL(got.size(), expected[p].size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      BOOST_TEST(got[i].value == expected[p][i]);
      BOOST_TEST(partition_for(got[i].key, partitions).value == p);
    }
  }
}

LOG_CONFORMANCE_CASE(two_readers_of_one_partition_and_a_reader_that_outlives_its_log) {
  const auto topic = t.topic("readers");
  create(t.log(), topic, 1);
  const auto batch = ms_batch("k", 50);
  append_ok(t.log(), topic, p0, batch);
  auto a = t.log().read(topic, p0, offset{0});
  auto b = t.log().read(topic, p0, offset{25});
  BOOST_REQUIRE(a);
  BOOST_REQUIRE(b);
  check_records(drain(*b.value()), std::vector<record>(batch.begin() + 25, batch.end()), 25);
  t.close();
  check_records(drain(*a.value()), batch);
}

LOG_CONFORMANCE_CASE(a_new_reader_after_an_old_one_sees_what_was_appended_in_between) {
  // A KafkaLog reader reuses the consumer client of one that is gone; what
  // that client remembers of the partition must not end the new one early.
  const auto topic = t.topic("reuse");
  create(t.log(), topic, 1);
  append_ok(t.log(), topic, p0, ms_batch("a", 30));
  for (int round = 0; round < 3; ++round) {
    const std::int64_t end = 30 + 10 * round;
    {
      auto first = t.log().read(topic, p0, offset{0});
      BOOST_REQUIRE(first);
      BOOST_REQUIRE_EQUAL(drain(*first.value()).size(), static_cast<std::size_t>(end));
    }
    const auto more = ms_batch("more" + std::to_string(round), 10);
    append_ok(t.log(), topic, p0, more);
    auto second = t.log().read(topic, p0, offset{end});
    BOOST_REQUIRE(second);
    check_records(drain(*second.value()), more, end); // drain: no waiting, no retrying
  }
}

LOG_CONFORMANCE_CASE(a_batch_of_10k_records_of_100_bytes_round_trips) {
  const auto topic = t.topic("large");
  create(t.log(), topic, 1);
  std::vector<record> batch;
  for (int i = 0; i < 10'000; ++i)
    batch.push_back(record{"key-" + std::to_string(i), std::string(100, static_cast<char>('a' + i % 26)),
                           (1'700'000'000'000LL + i) * 1'000'000});
  auto t0 = steady::now();
  BOOST_TEST(append_ok(t.log(), topic, p0, batch).value == 0);
  const double append_s = seconds_since(t0);
  t0 = steady::now();
  auto got = read_all(t.log(), topic, p0);
  const double read_s = seconds_since(t0);
  check_records(got, batch);
  std::cout << t.name() << ": one batch of 10k x 100 B: append " << append_s * 1e3 << " ms ("
            << 10'000 / append_s / 1e3 << "k records/s), read back " << read_s * 1e3 << " ms ("
            << 10'000 / read_s / 1e3 << "k records/s)" << std::endl;
}

BOOST_AUTO_TEST_SUITE_END()
