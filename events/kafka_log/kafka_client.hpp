#pragma once
// The librdkafka plumbing every part of the KafkaLog shares: owning handles
// (unique_ptr with the matching destroy function), checked configuration, the
// settings common to every client, and how librdkafka's error codes become
// log_errc values.
//
// Errors, sorted as librdkafka's examples sort them:
// - informational: the client recovers by itself (a connection dropped, a
//   leader moved); is_transient() says so, and callers just keep waiting;
// - retryable: a local queue is full, a transaction commit may be retried;
// - fatal (ERR__FATAL): the idempotent or transactional producer can no
//   longer guarantee order or exactly-once; the log refuses further appends.

#include "events/error.hpp"
#include "events/kafka_log/kafka_log_options.hpp"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace storemesh::events::kafka_detail {

// -- owning handles ----------------------------------------------------------------

struct client_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct conf_deleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
struct topic_deleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
struct queue_deleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct message_deleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
struct metadata_deleter {
  void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};
struct event_deleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct error_deleter {
  void operator()(rd_kafka_error_t* e) const { rd_kafka_error_destroy(e); }
};

using client_ptr = std::unique_ptr<rd_kafka_t, client_deleter>;
using conf_ptr = std::unique_ptr<rd_kafka_conf_t, conf_deleter>;
using topic_ptr = std::unique_ptr<rd_kafka_topic_t, topic_deleter>;
using queue_ptr = std::unique_ptr<rd_kafka_queue_t, queue_deleter>;
using message_ptr = std::unique_ptr<rd_kafka_message_t, message_deleter>;
using metadata_ptr = std::unique_ptr<const rd_kafka_metadata_t, metadata_deleter>;
using event_ptr = std::unique_ptr<rd_kafka_event_t, event_deleter>;
using kafka_error_ptr = std::unique_ptr<rd_kafka_error_t, error_deleter>;

// -- configuration -----------------------------------------------------------------

/// Sets one property; an unknown name or a bad value is an error naming both.
[[nodiscard]] result<void> conf_set(rd_kafka_conf_t* conf, const char* name, const std::string& value);

/// A configuration with what every client of the log sets: bootstrap.servers,
/// client.id (+ `client_suffix`), no automatic topic creation, quiet idle
/// disconnects.
[[nodiscard]] result<conf_ptr> common_conf(const kafka_log_options& options, std::string_view client_suffix);

/// A client of `type` from `conf`, which it takes over (librdkafka owns the
/// configuration once rd_kafka_new succeeds; on failure it is still ours).
[[nodiscard]] result<client_ptr> new_client(rd_kafka_type_t type, conf_ptr conf);

/// A topic handle of `rk` for `topic`, with the client's default topic config.
[[nodiscard]] result<topic_ptr> new_topic(rd_kafka_t* rk, const std::string& topic);

// -- partition offsets -------------------------------------------------------------

/// What ListOffsets reports for a partition, under the client's
/// isolation.level (read_committed: `end` is the last stable offset).
struct partition_offsets {
  std::int64_t low = 0; ///< the first offset kept (asked only on request)
  std::int64_t end = 0; ///< the offset after the last readable record
};

/// Asks the partition's leader for its end (and with `with_low` its first
/// offset), within `timeout`. A leader that moves or dies is waited out: each
/// attempt is bounded (2 s, then 1 s more each time), after which the leader
/// is looked up again; transient errors are retried up to the timeout. An
/// attempt that times out is logged to stderr, and so is giving up.
///
/// Never rd_kafka_query_watermark_offsets(): in librdkafka before 2.3.0 it
/// ignores its timeout once its requests are queued for the leader it looked
/// up (librdkafka#2588, fixed in 2.3.0 by #4460). Should that broker die
/// first, every reconnect fails the requests with a transport error, they are
/// retried on that same broker -- never sent, so never counted as retries,
/// and with no deadline -- and the call returns only once that broker is
/// back. A killed leader froze its caller for good, without a word (the
/// daemon's intake waiting in wait_beyond). rd_kafka_offsets_for_times()
/// sends the same request and does give up at its timeout (the request is
/// then dropped with its reply queue).
[[nodiscard]] result<partition_offsets> query_offsets(rd_kafka_t* rk, const std::string& topic,
                                                      std::int32_t partition, bool with_low,
                                                      std::chrono::milliseconds timeout);

// -- errors ------------------------------------------------------------------------

/// The log error for a librdkafka error: unknown topic or partition, offsets
/// out of range, oversized records and bad CRCs map to their log_errc;
/// anything else is broker_error. `what` names the call or the partition.
[[nodiscard]] error kafka_error(rd_kafka_resp_err_t err, const std::string& what);
/// The same for a rich error object (transactions, assign); does not take it.
[[nodiscard]] error kafka_error(const rd_kafka_error_t* err, const std::string& what);

/// Errors the client recovers from by itself: a consumer or a waiter keeps
/// going (librdkafka reconnects, refreshes metadata and retries).
[[nodiscard]] bool is_transient(rd_kafka_resp_err_t err);

/// Kafka's rule for topic names: 1 to 249 characters of [a-zA-Z0-9._-], and
/// not "." or "..". Anything else is bad_topic_name, before any round trip.
[[nodiscard]] result<void> validate_topic_name(std::string_view topic);

/// A duration as librdkafka's int milliseconds (clamped, at least 1).
[[nodiscard]] int to_ms(std::chrono::milliseconds d);

/// "topic/partition", for error details.
[[nodiscard]] std::string where(std::string_view topic, std::int32_t partition);

} // namespace storemesh::events::kafka_detail
