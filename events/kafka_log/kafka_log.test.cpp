// What only the KafkaLog has: opening against no broker, topic configuration,
// Kafka timestamps, transactions and the last stable offset, the partitioner
// agreeing with librdkafka's. Against a real broker: STOREMESH_TEST_KAFKA
// (test_support.hpp); without it the broker cases are skipped.

#include "events/kafka_log/kafka_admin.hpp"
#include "events/kafka_log/kafka_client.hpp"
#include "events/kafka_log/kafka_producer.hpp"
#include "events/kafka_log/test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <iostream>
#include <map>
#include <set>
#include <thread>

using namespace storemesh;
using namespace storemesh::events;
using namespace storemesh::events::file_log_testing;
using namespace storemesh::events::kafka_log_testing;

BOOST_AUTO_TEST_SUITE(kafka_log_specifics)

BOOST_AUTO_TEST_CASE(open_fails_clearly_when_no_broker_answers) {
  kafka_log_options o;
  o.bootstrap = "127.0.0.1:1"; // nothing listens there
  o.timeout = 1500ms;
  const auto t0 = steady::now();
  auto log = kafka_log::open(o);
  const double s = seconds_since(t0);
  BOOST_TEST(errc_of(log) == log_errc::broker_error);
  BOOST_TEST(log.error().detail.find("127.0.0.1:1") != std::string::npos);
  BOOST_TEST(s < 5.0);
  BOOST_TEST_MESSAGE(log.error().message());

  o.bootstrap.clear();
  BOOST_TEST(errc_of(kafka_log::open(o)) == log_errc::broker_error);
}

BOOST_AUTO_TEST_CASE(partition_for_agrees_with_librdkafkas_murmur2_partitioner) {
  // What a Java client's (and librdkafka's murmur2) default partitioner picks.
  for (int n : {1, 2, 3, 7, 12})
    for (int k = 0; k < 200; ++k) {
      const std::string key = "entity-" + std::to_string(k);
      const auto theirs = rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(), n, nullptr, nullptr);
      BOOST_TEST(partition_for(key, n).value == theirs);
    }
}

BOOST_AUTO_TEST_CASE(topic_configuration_follows_the_topic_kind) {
  using kafka_detail::topic_config;
  using config = std::vector<std::pair<std::string, std::string>>;
  BOOST_TEST((topic_config("storemesh.snapshots", 1) ==
              config{{"cleanup.policy", "compact"}, {"min.insync.replicas", "1"}}));
  BOOST_TEST((topic_config("storemesh.events.host", 3) ==
              config{{"retention.ms", "-1"}, {"min.insync.replicas", "2"}}));
  BOOST_TEST((topic_config("storemesh.commands", 2) == config{{"retention.ms", "-1"}, {"min.insync.replicas", "1"}}));
}

namespace {

/// The broker's view of a topic's configuration (DescribeConfigs).
std::map<std::string, std::string> describe_configs(const kafka_log_options& options, const std::string& topic) {
  using namespace kafka_detail;
  auto conf = common_conf(options, "-test-admin");
  BOOST_REQUIRE(conf);
  auto rk = new_client(RD_KAFKA_PRODUCER, std::move(conf.value()));
  BOOST_REQUIRE(rk);
  rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  queue_ptr q(rd_kafka_queue_new(rk.value().get()));
  rd_kafka_DescribeConfigs(rk.value().get(), &resource, 1, nullptr, q.get());
  rd_kafka_ConfigResource_destroy(resource);
  event_ptr ev(rd_kafka_queue_poll(q.get(), 20000));
  BOOST_REQUIRE(ev);
  BOOST_REQUIRE_MESSAGE(!rd_kafka_event_error(ev.get()), rd_kafka_event_error_string(ev.get()));
  size_t n = 0;
  const rd_kafka_ConfigResource_t** res =
      rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev.get()), &n);
  BOOST_REQUIRE_EQUAL(n, 1u);
  size_t count = 0;
  const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(res[0], &count);
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < count; ++i) {
    const char* v = rd_kafka_ConfigEntry_value(entries[i]);
    out[rd_kafka_ConfigEntry_name(entries[i])] = v ? v : "";
  }
  return out;
}

} // namespace

KAFKA_ONLY_CASE(snapshots_topics_are_compacted_and_other_topics_kept_forever) {
  auto log = kafka_log::open(options);
  BOOST_REQUIRE(log);
  const auto snapshots = unique_topic("storemesh.snapshots");
  const auto events = unique_topic("storemesh.events.host");
  create(*log.value(), snapshots, 1);
  create(*log.value(), events, 2);
  auto s = describe_configs(options, snapshots);
  BOOST_TEST(s["cleanup.policy"] == "compact");
  BOOST_TEST(s["min.insync.replicas"] == (options.replication_factor >= 3 ? "2" : "1"));
  auto e = describe_configs(options, events);
  BOOST_TEST(e["cleanup.policy"] == "delete");
  BOOST_TEST(e["retention.ms"] == "-1");
}

// A cluster with fewer usable brokers than the replication factor (forming,
// or its brokers fenced for a late heartbeat) is asked again until the
// timeout, then refused with a reason; nothing is created.
KAFKA_ONLY_CASE(a_replication_factor_beyond_the_usable_brokers_is_asked_again_then_refused_with_a_reason) {
  auto o = options;
  o.replication_factor = 7;  // more brokers than any test cluster has
  o.timeout = std::chrono::milliseconds(4000);
  auto log = kafka_log::open(o);
  BOOST_REQUIRE(log);
  const auto topic = unique_topic("storemesh.events.rf");
  const auto t0 = std::chrono::steady_clock::now();
  auto created = log.value()->create_topic(topic, 1);
  const auto waited = std::chrono::steady_clock::now() - t0;
  BOOST_REQUIRE(!created);
  BOOST_TEST(created.error().message().find("fewer usable brokers than the replication factor") != std::string::npos,
             created.error().message());
  // Asked again until under a second was left, not refused at the first answer.
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(waited).count() >= 2500);
  auto plain = kafka_log::open(options);
  BOOST_REQUIRE(plain);
  BOOST_TEST(!plain.value()->partitions(topic));
}

KAFKA_ONLY_CASE(timestamps_are_kafka_create_times_in_milliseconds) {
  auto log = kafka_log::open(options);
  BOOST_REQUIRE(log);
  const auto topic = unique_topic("ts");
  create(*log.value(), topic, 1);
  const std::int64_t ns = 1'700'000'000'123'456'789LL;
  append_ok(*log.value(), topic, p0, {record{"k", "v", ns}, record{"now", "v", 0}});
  const auto before_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  auto got = read_all(*log.value(), topic, p0);
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  BOOST_TEST(got[0].timestamp_ns == ns / 1'000'000 * 1'000'000); // truncated to the millisecond
  BOOST_TEST(std::abs(got[1].timestamp_ns / 1'000'000 - before_ms) < 60'000); // 0: the producer's "now"
}

KAFKA_ONLY_CASE(transactional_appends_are_whole_and_each_commit_marker_takes_an_offset) {
  options.transactional_id = unique_topic("txn");
  auto opened = kafka_log::open(options);
  BOOST_REQUIRE_MESSAGE(opened, (opened ? std::string() : opened.error().message()));
  auto& log = *opened.value();
  const auto topic = unique_topic("txn-topic");
  create(log, topic, 1);
  const auto a = ms_batch("a", 5);
  const auto b = ms_batch("b", 3);
  BOOST_TEST(append_ok(log, topic, p0, a).value == 0);
  BOOST_TEST(end_of(log, topic, p0).value == 6); // 5 records + the commit marker
  BOOST_TEST(append_ok(log, topic, p0, b).value == 6);
  BOOST_TEST(end_of(log, topic, p0).value == 10);

  auto reader = log.read(topic, p0, offset{0});
  BOOST_REQUIRE(reader);
  auto got = drain(*reader.value());
  BOOST_REQUIRE_EQUAL(got.size(), 8u);
  for (int i = 0; i < 5; ++i)
    BOOST_TEST(got[i].off.value == i);
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(got[5 + i].off.value == 6 + i);
  // Caught up means at the end, markers included: scan loops stop there.
  BOOST_TEST(reader.value()->position().value == 10);

  // Concurrent transactional appends are serialised, each one whole.
  std::vector<std::thread> ts;
  for (int th = 0; th < 2; ++th)
    ts.emplace_back([&, th] {
      for (int i = 0; i < 5; ++i)
        append_ok(log, topic, p0, ms_batch("c" + std::to_string(th) + "-" + std::to_string(i), 4));
    });
  for (auto& th : ts)
    th.join();
  BOOST_TEST(read_all(log, topic, p0).size() == 8u + 40u);

  // A second producer with the same transactional id fences the first.
  auto fencer = kafka_log::open(options);
  BOOST_REQUIRE(fencer);
  auto fenced = log.append(topic, p0, ms_batch("late", 1));
  BOOST_TEST(!fenced);
  if (!fenced)
    BOOST_TEST_MESSAGE("fenced: " << fenced.error().message());
  BOOST_TEST(append_ok(*fencer.value(), topic, p0, ms_batch("d", 1)).value >= 48 + 10);
}

KAFKA_ONLY_CASE(end_offset_is_the_last_stable_offset_while_a_transaction_is_open) {
  auto log = kafka_log::open(options);
  BOOST_REQUIRE(log);
  const auto topic = unique_topic("lso");
  create(*log.value(), topic, 1);
  append_ok(*log.value(), topic, p0, ms_batch("a", 2));

  // Another producer opens a transaction and writes without committing.
  using namespace kafka_detail;
  auto conf = common_conf(options, "-test-txn");
  BOOST_REQUIRE(conf);
  BOOST_REQUIRE(conf_set(conf.value().get(), "transactional.id", unique_topic("open-txn")));
  auto rk = new_client(RD_KAFKA_PRODUCER, std::move(conf.value()));
  BOOST_REQUIRE(rk);
  rd_kafka_t* producer = rk.value().get();
  BOOST_REQUIRE(!kafka_error_ptr(rd_kafka_init_transactions(producer, 20000)));
  BOOST_REQUIRE(!kafka_error_ptr(rd_kafka_begin_transaction(producer)));
  BOOST_REQUIRE(!rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                                   RD_KAFKA_V_VALUE(const_cast<char*>("open"), 4), RD_KAFKA_V_END));
  BOOST_REQUIRE(!rd_kafka_flush(producer, 20000));

  BOOST_TEST(end_of(*log.value(), topic, p0).value == 2); // the record at 2 is not stable yet
  auto woke = log.value()->wait_beyond(topic, p0, offset{2}, 300ms);
  BOOST_REQUIRE(woke);
  BOOST_TEST(woke.value().value == 2);

  BOOST_REQUIRE(!kafka_error_ptr(rd_kafka_commit_transaction(producer, 20000)));
  // The coordinator writes the commit marker after the commit returns.
  auto stable = log.value()->wait_beyond(topic, p0, offset{2}, 10s);
  BOOST_REQUIRE(stable);
  BOOST_TEST(stable.value().value == 4); // the record and the commit marker
  auto got = read_all(*log.value(), topic, p0);
  BOOST_REQUIRE_EQUAL(got.size(), 3u);
  BOOST_TEST(got[2].value == "open");
}

KAFKA_ONLY_CASE(an_oversized_record_is_a_bad_batch) {
  auto log = kafka_log::open(options);
  BOOST_REQUIRE(log);
  const auto topic = unique_topic("big");
  create(*log.value(), topic, 1);
  auto r = log.value()->append(topic, p0, {record{"k", std::string(2 << 20, 'x'), 0}}); // > message.max.bytes
  BOOST_TEST(errc_of(r) == log_errc::bad_batch);
  BOOST_TEST_MESSAGE(r.error().message());
  BOOST_TEST(end_of(*log.value(), topic, p0).value == 0);
}

BOOST_AUTO_TEST_SUITE_END()

// A producer broken for good by a fault that has passed (the coordinator
// refusing the end of a transaction after a broker outage) is cured by a new
// client: the log says so, and `serve` opens the log again. A fence says so
// too, and that it is one: only the owner knows whether another instance
// holds the id (then a new client would fence that one in turn).
KAFKA_ONLY_CASE(a_fatal_producer_error_asks_for_a_new_client_and_says_whether_it_is_a_fence) {
  using kafka_detail::kafka_producer;
  const auto broken_by = [&](rd_kafka_resp_err_t err) {
    options.transactional_id = unique_topic("fatal");
    auto opened = kafka_producer::open(options);
    BOOST_REQUIRE_MESSAGE(opened, (opened ? std::string() : opened.error().message()));
    auto& producer = *opened.value();
    BOOST_TEST(!producer.broken());
    BOOST_REQUIRE(rd_kafka_test_fatal_error(producer.handle(), err, "injected by the test") == RD_KAFKA_RESP_ERR_NO_ERROR);
    // The error callback runs on the producer's poller thread.
    const auto deadline = steady::now() + 10s;
    while (!producer.broken() && steady::now() < deadline)
      std::this_thread::sleep_for(10ms);
    BOOST_TEST_REQUIRE(producer.broken().has_value());
    return producer.fenced();
  };
  BOOST_TEST(!broken_by(RD_KAFKA_RESP_ERR_INVALID_TXN_STATE));
  BOOST_TEST(broken_by(RD_KAFKA_RESP_ERR_PRODUCER_FENCED));
}
