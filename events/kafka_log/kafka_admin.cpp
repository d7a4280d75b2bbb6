#include "events/kafka_log/kafka_admin.hpp"

#include "events/kafka_log/kafka_client.hpp"
#include "events/log_errc.hpp"

#include <optional>
#include <thread>

namespace storemesh::events::kafka_detail {

namespace {

using clock = std::chrono::steady_clock;

struct admin_options_deleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};
struct new_topic_deleter {
  void operator()(rd_kafka_NewTopic_t* t) const { rd_kafka_NewTopic_destroy(t); }
};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::chrono::milliseconds left(clock::time_point deadline) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
}

// Sends the CreateTopics request and waits for its result. TOPIC_ALREADY_EXISTS
// is success: another process (or an earlier run) created it first. The
// topic's own error code, if the cluster refused it, goes to `refused`.
result<void> send_create_topics(rd_kafka_t* rk, const std::string& topic, std::int32_t partitions,
                                std::int16_t replication_factor, std::chrono::milliseconds timeout,
                                rd_kafka_resp_err_t& refused) {
  refused = RD_KAFKA_RESP_ERR_NO_ERROR;
  char errstr[512];
  std::unique_ptr<rd_kafka_NewTopic_t, new_topic_deleter> nt(
      rd_kafka_NewTopic_new(topic.c_str(), partitions, replication_factor, errstr, sizeof errstr));
  if (!nt)
    return make_error(log_errc::broker_error, "create topic " + topic + ": " + errstr);
  for (const auto& [name, value] : topic_config(topic, replication_factor))
    if (auto err = rd_kafka_NewTopic_set_config(nt.get(), name.c_str(), value.c_str()))
      return kafka_error(err, "create topic " + topic + ": config " + name);

  std::unique_ptr<rd_kafka_AdminOptions_t, admin_options_deleter> opts(
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS));
  // operation timeout: the controller answers once the topic exists (or this elapses).
  if (rd_kafka_AdminOptions_set_request_timeout(opts.get(), to_ms(timeout), errstr, sizeof errstr) ||
      rd_kafka_AdminOptions_set_operation_timeout(opts.get(), to_ms(timeout), errstr, sizeof errstr))
    return make_error(log_errc::broker_error, "create topic " + topic + ": " + errstr);

  queue_ptr results(rd_kafka_queue_new(rk));
  rd_kafka_NewTopic_t* topics[] = {nt.get()};
  rd_kafka_CreateTopics(rk, topics, 1, opts.get(), results.get());
  // The request times out on its own (request timeout); a little slack here.
  event_ptr ev(rd_kafka_queue_poll(results.get(), to_ms(timeout + std::chrono::seconds(5))));
  if (!ev)
    return make_error(log_errc::broker_error, "create topic " + topic + ": no answer from the cluster");
  if (auto err = rd_kafka_event_error(ev.get()))
    return make_error(log_errc::broker_error, "create topic " + topic + ": " + rd_kafka_event_error_string(ev.get()) +
                                                  " (" + rd_kafka_err2name(err) + ")");
  const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev.get());
  size_t count = 0;
  const rd_kafka_topic_result_t** per_topic = rd_kafka_CreateTopics_result_topics(res, &count);
  if (count != 1)
    return make_error(log_errc::broker_error, "create topic " + topic + ": " + std::to_string(count) + " results");
  const auto err = rd_kafka_topic_result_error(per_topic[0]);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
    return success();
  refused = err;
  const char* why = rd_kafka_topic_result_error_string(per_topic[0]);
  return kafka_error(err, "create topic " + topic + (why ? std::string(" (") + why + ")" : std::string()));
}

} // namespace

result<topic_metadata> describe_topic(rd_kafka_t* rk, rd_kafka_topic_t* rkt, std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* raw = nullptr;
  const std::string name = rd_kafka_topic_name(rkt);
  if (auto err = rd_kafka_metadata(rk, 0, rkt, &raw, to_ms(timeout)))
    return kafka_error(err, "metadata for " + name);
  metadata_ptr md(raw); // ownership: ours, released with rd_kafka_metadata_destroy
  for (int i = 0; i < md->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = md->topics[i];
    if (name != t.topic)
      continue;
    if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
      return kafka_error(t.err, name);
    if (t.err && t.err != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)
      return kafka_error(t.err, "metadata for " + name);
    topic_metadata out;
    out.partitions = t.partition_cnt;
    out.leaders_elected = t.err == RD_KAFKA_RESP_ERR_NO_ERROR && t.partition_cnt > 0;
    for (int p = 0; p < t.partition_cnt; ++p)
      if (t.partitions[p].err || t.partitions[p].leader < 0)
        out.leaders_elected = false;
    return out;
  }
  return kafka_error(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, name);
}

std::vector<std::pair<std::string, std::string>> topic_config(std::string_view topic,
                                                              std::int16_t replication_factor) {
  std::vector<std::pair<std::string, std::string>> config;
  if (ends_with(topic, ".snapshots"))
    config.emplace_back("cleanup.policy", "compact");
  else
    config.emplace_back("retention.ms", "-1");
  config.emplace_back("min.insync.replicas", replication_factor >= 3 ? "2" : "1");
  return config;
}

result<topic_metadata> create_topic(rd_kafka_t* rk, rd_kafka_topic_t* rkt, const std::string& topic,
                                    std::int32_t partitions, std::int16_t replication_factor,
                                    std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  auto known = describe_topic(rk, rkt, timeout);
  if (known && known.value().leaders_elected)
    return known; // exists and usable: idempotent, keeps its partition count
  if (!known && known.error().code != make_error_code(log_errc::unknown_topic))
    return known.error();
  // Fewer usable brokers than the replication factor is what a cluster
  // looks like while it forms or recovers: a broker not yet registered, or
  // fenced by the controller for a late heartbeat ("All brokers are currently
  // fenced", seen under load with a 3 s broker session). Asked again until
  // the timeout rather than failing the daemon's start at once.
  if (!known) {
    std::optional<error> refusal;  // the latest "fewer usable brokers" answer
    for (;;) {
      rd_kafka_resp_err_t refused = RD_KAFKA_RESP_ERR_NO_ERROR;
      auto sent = send_create_topics(rk, topic, partitions, replication_factor,
                                     std::max(left(deadline), std::chrono::milliseconds(1)), refused);
      if (sent)
        break;
      const bool fewer = refused == RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR;
      if (!fewer && !refusal)
        return sent.error();
      if (fewer)
        refusal = sent.error();
      // A retry that failed otherwise (its request timed out near the
      // deadline) reports the refusal that made it retry.
      if (!fewer || left(deadline) < std::chrono::seconds(1)) {
        refusal->detail += "; still refused after " + std::to_string(timeout.count()) +
                           " ms: the cluster has fewer usable brokers than the replication factor";
        return *refusal;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }
  // Created (by us or by someone else): wait until every partition has a leader.
  for (;;) {
    auto md = describe_topic(rk, rkt, std::max(left(deadline), std::chrono::milliseconds(1)));
    if (md && md.value().leaders_elected)
      return md;
    if (!md && md.error().code != make_error_code(log_errc::unknown_topic) &&
        md.error().code != make_error_code(log_errc::broker_error))
      return md.error();
    if (clock::now() >= deadline)
      return make_error(log_errc::broker_error,
                        "create topic " + topic + ": no leader for every partition within " +
                            std::to_string(timeout.count()) + " ms" +
                            (md ? std::string() : " (" + md.error().message() + ")"));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

} // namespace storemesh::events::kafka_detail
