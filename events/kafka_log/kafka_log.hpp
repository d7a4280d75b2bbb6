#pragma once
// kafka_log: the event_log on Apache Kafka, through librdkafka. Everything
// above events/ runs on it unchanged; a topic is a Kafka topic, a partition a
// Kafka partition, an offset Kafka's offset, a record a Kafka record (key,
// value, CreateTime timestamp), so any Kafka client reads what it wrote.
//
//   append ----> kafka_producer (one idempotent producer, acks=all, a poller thread)
//   read   ----> kafka_log_reader on a pooled partition consumer (read_committed)
//   wait_beyond -> tail_watcher (one long-polling consumer)
//   create_topic, partitions, end_offset -> admin and metadata requests on the producer
//
// Contract, beyond event_log's:
// - append() returns once every record is acknowledged by all in-sync
//   replicas. Offsets are Kafka's: consecutive within a batch -- checked,
//   and a batch that another producer's records split fails loudly
//   (broker_error) although its records are in the log. A batch is
//   all-or-nothing with options.transactional_id (one transaction per
//   append, appends serialised; each commit marker then takes an offset, so
//   the next batch starts one past the previous end). Without it, a
//   batch usually travels as several record batches (linger.ms=0: the first
//   record leaves at once) and a failure can leave a prefix in the log (the
//   error says so); nothing is ever duplicated or reordered (idempotence).
// - end_offset() is what rd_kafka_query_watermark_offsets() reports under
//   isolation.level=read_committed: the last stable offset -- the end a
//   read_committed reader can reach. Without open transactions on the
//   partition (never, unless some producer uses them) it is the high
//   watermark: the offset the next appended record gets.
// - wait_beyond() wakes within a fetch round trip of an append that moves the
//   end beyond `known` (see tail_watcher.hpp), or returns the end it saw at
//   the timeout.
// - Timestamps are kept to the millisecond (Kafka's unit); timestamp_ns 0
//   means "now" (the producer's clock).
// - Topics are created with options.replication_factor; names ending in
//   ".snapshots" are compacted, every other topic is kept forever
//   (retention.ms=-1): the log is the system of record (kafka_admin.hpp).
// - Errors: the event_log conditions (unknown_topic, unknown_partition,
//   bad_topic_name, offset_out_of_range, bad_batch, corrupt_record) and
//   broker_error for everything the cluster or librdkafka reports, with
//   librdkafka's error name in the detail.
// Thread-safe: any number of threads may call any member function. Readers
// may outlive the log.

#include "events/event_log.hpp"
#include "events/kafka_log/kafka_log_options.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace storemesh::events {

namespace kafka_detail {
class kafka_producer;
class consumer_pool;
class tail_watcher;
} // namespace kafka_detail

class kafka_log final : public event_log {
public:
  /// Connects: fails with broker_error when no broker answers within
  /// options.timeout, or when a transactional id cannot be registered.
  [[nodiscard]] static result<std::unique_ptr<kafka_log>> open(kafka_log_options options);
  ~kafka_log() override;
  kafka_log(const kafka_log&) = delete;
  kafka_log& operator=(const kafka_log&) = delete;

  [[nodiscard]] result<void> create_topic(std::string_view topic, std::int32_t partitions) override;
  [[nodiscard]] result<std::int32_t> partitions(std::string_view topic) override;
  [[nodiscard]] result<std::vector<offset>> append_all(const std::vector<batch_ref>& batches) override;
  /// With a transactional id and a group this log joined, the positions
  /// commit inside the transaction (KIP-447), under the generation the
  /// group's listener last heard of: the transaction of a member the group
  /// has moved on from is refused whole (log_errc::fenced), and the caller
  /// reloads from the committed positions.
  [[nodiscard]] result<std::vector<offset>> append_committing(const std::vector<batch_ref>& batches,
                                                              const offsets_commit& commit) override;
  [[nodiscard]] result<std::unique_ptr<partition_group>> join_group(std::string_view topic,
                                                                  std::string_view group) override;
  [[nodiscard]] result<offset> append(std::string_view topic, partition_id p,
                                      const std::vector<record>& batch) override;
  [[nodiscard]] result<offset> end_offset(std::string_view topic, partition_id p) override;
  /// The last stable offset against the high watermark (a read_uncommitted
  /// client of its own asks for the latter).
  [[nodiscard]] result<bool> transaction_open(std::string_view topic, partition_id p) override;
  [[nodiscard]] std::optional<error> needs_reopen() const override;
  [[nodiscard]] bool fenced() const override;
  [[nodiscard]] result<std::unique_ptr<log_reader>> read(std::string_view topic, partition_id p,
                                                         offset from) override;
  [[nodiscard]] result<offset> wait_beyond(std::string_view topic, partition_id p, offset known,
                                           std::chrono::milliseconds timeout) override;

  [[nodiscard]] const kafka_log_options& options() const { return options_; }

private:
  struct topic_entry;
  /// Low and high (read_committed: last stable) watermark of a partition.
  struct watermarks {
    std::int64_t low = 0;
    std::int64_t high = 0;
  };

  explicit kafka_log(kafka_log_options options);
  /// The topic's producer handle and partition count: cached once known, else
  /// one metadata request (a topic another process created is found).
  [[nodiscard]] result<topic_entry*> topic_of(std::string_view topic);
  [[nodiscard]] result<topic_entry*> partition_of(std::string_view topic, partition_id p);
  [[nodiscard]] result<watermarks> query_watermarks(std::string_view topic, partition_id p);
  [[nodiscard]] result<kafka_detail::tail_watcher*> watcher();

  const kafka_log_options options_;
  std::unique_ptr<kafka_detail::kafka_producer> producer_;
  std::shared_ptr<kafka_detail::consumer_pool> readers_;

  std::mutex topics_mu_;
  std::map<std::string, std::unique_ptr<topic_entry>, std::less<>> topics_; // topics_mu_

  std::mutex watcher_mu_;
  std::unique_ptr<kafka_detail::tail_watcher> watcher_; // watcher_mu_: opened on the first wait

  struct probe;  // a read_uncommitted client, for high watermarks
  std::mutex probe_mu_;
  std::unique_ptr<probe> uncommitted_;  // probe_mu_: made on first use
};

} // namespace storemesh::events
