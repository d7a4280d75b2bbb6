#include "events/kafka_log/kafka_client.hpp"

#include "events/log_errc.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <thread>

namespace storemesh::events::kafka_detail {

result<void> conf_set(rd_kafka_conf_t* conf, const char* name, const std::string& value) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, name, value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
    return make_error(log_errc::broker_error,
                      std::string("librdkafka config ") + name + "=" + value + ": " + errstr);
  return success();
}

result<conf_ptr> common_conf(const kafka_log_options& options, std::string_view client_suffix) {
  if (options.bootstrap.empty())
    return make_error(log_errc::broker_error, "kafka_log_options.bootstrap is empty");
  conf_ptr conf(rd_kafka_conf_new());
  SM_TRYV(conf_set(conf.get(), "bootstrap.servers", options.bootstrap));
  SM_TRYV(conf_set(conf.get(), "client.id", options.client_id + std::string(client_suffix)));
  // Topics are created by create_topic() only, never as a side effect of a
  // metadata request for a typo (librdkafka's producer default is true).
  SM_TRYV(conf_set(conf.get(), "allow.auto.create.topics", "false"));
  // Brokers close idle connections (connections.max.idle.ms); that is normal,
  // not worth a log line.
  SM_TRYV(conf_set(conf.get(), "log.connection.close", "false"));
  return conf;
}

result<client_ptr> new_client(rd_kafka_type_t type, conf_ptr conf) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
  if (!rk)
    return make_error(log_errc::broker_error, std::string("rd_kafka_new: ") + errstr);
  (void)conf.release(); // ownership: rd_kafka_new took the configuration over
  return client_ptr(rk);
}

result<topic_ptr> new_topic(rd_kafka_t* rk, const std::string& topic) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  if (!rkt)
    return kafka_error(rd_kafka_last_error(), "rd_kafka_topic_new " + topic);
  return topic_ptr(rkt);
}

namespace {

log_errc errc_of(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
      return log_errc::unknown_topic;
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
      return log_errc::unknown_partition;
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
      return log_errc::bad_topic_name;
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
    case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
      return log_errc::offset_out_of_range;
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
      return log_errc::bad_batch;
    case RD_KAFKA_RESP_ERR__BAD_MSG:       // client-side CRC or framing check (check.crcs)
    case RD_KAFKA_RESP_ERR_INVALID_MSG:    // the broker's CORRUPT_MESSAGE
      return log_errc::corrupt_record;
    default:
      return log_errc::broker_error;
  }
}

} // namespace

error kafka_error(rd_kafka_resp_err_t err, const std::string& what) {
  return make_error(errc_of(err), what + ": " + rd_kafka_err2str(err) + " (" + rd_kafka_err2name(err) + ")");
}

error kafka_error(const rd_kafka_error_t* err, const std::string& what) {
  return make_error(errc_of(rd_kafka_error_code(err)),
                    what + ": " + rd_kafka_error_string(err) + " (" + rd_kafka_error_name(err) + ")");
}

bool is_transient(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
      return true;
    default:
      return false;
  }
}

result<void> validate_topic_name(std::string_view topic) {
  const bool legal_chars = std::all_of(topic.begin(), topic.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
  if (topic.empty() || topic.size() > 249 || topic == "." || topic == ".." || !legal_chars)
    return make_error(log_errc::bad_topic_name, "'" + std::string(topic.substr(0, 260)) + "'");
  return success();
}

int to_ms(std::chrono::milliseconds d) {
  return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(d.count(), 1, std::numeric_limits<int>::max()));
}

std::string where(std::string_view topic, std::int32_t partition) {
  return std::string(topic) + "/" + std::to_string(partition);
}

namespace {

struct partition_list_deleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};

// One ListOffsets round trip for `which` (RD_KAFKA_OFFSET_BEGINNING or
// RD_KAFKA_OFFSET_END), bounded by timeout_ms. offsets_for_times() sends a
// partition's `offset` as the request's timestamp, and the timestamps -2 and
// -1 ask for the first and the end offset: query_watermark_offsets()'s requests.
rd_kafka_resp_err_t list_offset(rd_kafka_t* rk, const std::string& topic, std::int32_t partition,
                                std::int64_t which, int timeout_ms, std::int64_t& out) {
  std::unique_ptr<rd_kafka_topic_partition_list_t, partition_list_deleter> list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = which;
  if (const auto err = rd_kafka_offsets_for_times(rk, list.get(), timeout_ms))
    return err;
  const rd_kafka_topic_partition_t& tp = list->elems[0];
  if (tp.err)
    return tp.err;
  if (tp.offset < 0)
    return RD_KAFKA_RESP_ERR__FAIL; // the partition was missing from the answer
  out = tp.offset;
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

// Whether the answer names a leader this client has wrong: a leader that
// moved (a broker killed, an election) or is not there yet.
bool leader_moved(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
      return true;
    default:
      return false;
  }
}

// librdkafka 2.0 does not refresh its metadata when a ListOffsets answer says
// "not leader" (it does for produce and fetch; librdkafka#2955), so asking
// again would reach the old leader until the periodic refresh (5 minutes):
// seen after a broker kill on three brokers, a new owner's partition pending
// for minutes. A metadata request for the topic updates the cached leaders.
void refresh_leaders(rd_kafka_t* rk, const std::string& topic, int timeout_ms) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  if (rkt == nullptr)
    return;
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR && md != nullptr)
    rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);
}

} // namespace

result<partition_offsets> query_offsets(rd_kafka_t* rk, const std::string& topic, std::int32_t partition,
                                        bool with_low, std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  using std::chrono::milliseconds;
  const auto start = clock::now();
  const auto deadline = start + timeout;
  const auto since_start = [&] {
    return static_cast<long long>(std::chrono::duration_cast<milliseconds>(clock::now() - start).count());
  };
  // A healthy leader answers in milliseconds; a request that waits this long
  // is most likely queued for a broker that is gone: ask again, which looks
  // the leader up anew (librdkafka waits there for a leader that is up).
  auto attempt = milliseconds(2000);
  bool stalled = false;
  for (auto backoff = milliseconds(5);; backoff = std::min(backoff * 2, milliseconds(100))) {
    const auto attempt_end = std::min(deadline, clock::now() + attempt);
    const auto left = [&] { return to_ms(std::chrono::duration_cast<milliseconds>(attempt_end - clock::now())); };
    partition_offsets out;
    auto err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (with_low)
      err = list_offset(rk, topic, partition, RD_KAFKA_OFFSET_BEGINNING, left(), out.low);
    if (!err)
      err = list_offset(rk, topic, partition, RD_KAFKA_OFFSET_END, left(), out.end);
    if (!err) {
      if (stalled)
        std::fprintf(stderr, "kafka_log: offsets of %s: answered after %lld ms\n", where(topic, partition).c_str(),
                     since_start());
      return out;
    }
    // Callers ask only about partitions the topic's metadata listed, so an
    // unknown one is a broker (or this client) that has not yet heard of a
    // topic created a moment ago: seen on 3 brokers ("partition count
    // changed from 2 to 0"). It is waited out like a moving leader.
    const bool metadata_lags = err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
                               err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
                               err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    if (!is_transient(err) && !metadata_lags)
      return kafka_error(err, "offsets of " + where(topic, partition));
    if (clock::now() + backoff >= deadline) {
      // The cluster did not recover within the timeout: say so, whoever asked.
      auto e = make_error(log_errc::unavailable, "offsets of " + where(topic, partition) + ": no answer within " +
                                                     std::to_string(since_start()) + " ms (" + rd_kafka_err2str(err) +
                                                     ")");
      std::fprintf(stderr, "kafka_log: %s\n", e.message().c_str());
      return e;
    }
    if (leader_moved(err)) {
      const auto left_overall = std::chrono::duration_cast<milliseconds>(deadline - clock::now());
      refresh_leaders(rk, topic, std::clamp(to_ms(left_overall), 1, 2000));
    }
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
      std::fprintf(stderr, "kafka_log: offsets of %s: no answer after %lld ms (its leader gone?): asking again\n",
                   where(topic, partition).c_str(), since_start());
      stalled = true;
      attempt += milliseconds(1000); // a slow leader gets longer; a dead one costs little more
    }
    std::this_thread::sleep_for(backoff);
  }
}

} // namespace storemesh::events::kafka_detail
