#pragma once
// The log's one producer: idempotent (or transactional), acks=all. Any number
// of threads append at once; each waits only for its own batch.
//
//   append(batch):
//     [lock the partition's stripe]  producev() x n   -- the batch enters the
//     [unlock]                                           partition queue contiguously
//     wait for the batch's n delivery reports            -- served by the poller thread,
//                                                          routed by each message's opaque
//     check that the offsets are there and consecutive   -- else fail loudly
//
// Done means acknowledged by every in-sync replica (acks=all). Concurrent
// batches share requests: while one request per broker is in flight (see
// max.in.flight in the .cpp: a librdkafka data-loss bug), the others' records
// queue up and leave together in the next, so callers do not pay one round
// trip each. Offsets are checked: consecutive, and never missing (-1001).
//
// All-or-nothing: with a transactional_id every append is one transaction, so
// read_committed readers see a batch whole or not at all; append() returns
// once they can see it (the coordinator writes the commit markers after
// commit_transaction returns, so it also waits for the last stable offset). Without one, a batch
// the broker stores as one record batch is atomic too, but librdkafka may
// split a large batch (batch.size, linger.ms) into several: should one of them
// fail, the earlier ones stay in the log and append() reports the error.
//
// Ownership: values are produced without RD_KAFKA_MSG_F_COPY: librdkafka
// points at the caller's bytes until their delivery report, and append()
// never returns before the last report of its batch (keys are always copied).
//
// Thread-safe. A fatal producer error (ERR__FATAL: the idempotence or the
// transaction guarantees are lost, or the transactional id was fenced) makes
// every later append() fail: reopen the log.

#include "events/event_log.hpp"
#include "events/kafka_log/kafka_client.hpp"
#include "events/kafka_log/kafka_log_options.hpp"

#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace storemesh::events::kafka_detail {

class kafka_producer {
public:
  /// Connects: fails with broker_error when no broker answers a metadata
  /// request within options.timeout; a transactional producer also registers
  /// its transactional id (init_transactions).
  [[nodiscard]] static result<std::unique_ptr<kafka_producer>> open(const kafka_log_options& options);
  /// Flushes (nothing is outstanding unless an append is still running),
  /// stops the poller, destroys the client. Topic handles of handle() must be
  /// destroyed before.
  ~kafka_producer();
  kafka_producer(const kafka_producer&) = delete;
  kafka_producer& operator=(const kafka_producer&) = delete;

  /// The client, for metadata, admin requests and watermark queries (all
  /// thread-safe on it).
  [[nodiscard]] rd_kafka_t* handle() const { return rk_.get(); }

  /// The error that broke this producer for good (librdkafka's fatal error,
  /// a commit whose outcome is unknown), if any.
  [[nodiscard]] std::optional<error> broken() const { return fatal(); }
  /// The fatal error is a fence: its transactional id has a newer epoch,
  /// taken by another producer with that id or by the coordinator when it
  /// aborted a transaction of this one that timed out (the broker answers
  /// both alike; ops/instance_claim.hpp tells them apart for the daemon).
  [[nodiscard]] bool fenced() const { return fenced_.load(); }

  /// Produces `batch` to partition `p` of `rkt` (a topic handle of handle())
  /// and waits for every record's delivery report. Returns the first record's
  /// offset. `where` names the partition in errors.
  [[nodiscard]] result<offset> append(rd_kafka_topic_t* rkt, partition_id p, const std::vector<record>& batch,
                                      const std::string& where);

  /// One batch of a transaction.
  struct target {
    rd_kafka_topic_t* rkt;
    partition_id p;
    const std::vector<record>* batch;
    std::string where;
    /// Return only once read_committed readers see the batch (see
    /// wait_until_stable).
    bool await_visibility = true;
  };
  /// A consumer group's positions to commit inside a transaction (KIP-447).
  struct group_offsets {
    const rd_kafka_topic_partition_list_t* offsets;
    const rd_kafka_consumer_group_metadata_t* group;
  };
  /// Transactional producers: every batch in one transaction, all committed or
  /// none; each batch's first offset. With `offsets`, the group's positions
  /// commit in the same transaction (then `targets` may be empty), and a
  /// member the group has expelled gets log_errc::fenced with nothing written.
  /// log_errc::aborted: the transaction was aborted (a write failed, the
  /// coordinator timed it out), nothing written, the same call may be made
  /// again. Blocks while the broker is unreachable: the outcome of a commit
  /// in flight is not known until it answers.
  [[nodiscard]] result<std::vector<offset>> append_transaction(const std::vector<target>& targets,
                                                               const group_offsets* offsets = nullptr);

private:
  struct batch_delivery;

  explicit kafka_producer(const kafka_log_options& options);
  [[nodiscard]] result<void> connect();
  /// Enqueues the batch contiguously; returns how many records were enqueued
  /// (all of them, or fewer with the error that stopped it in `failed`).
  std::size_t enqueue(rd_kafka_topic_t* rkt, partition_id p, const std::vector<record>& batch,
                      batch_delivery& delivery, std::optional<error>& failed, const std::string& where);
  [[nodiscard]] result<offset> append_idempotent(rd_kafka_topic_t* rkt, partition_id p,
                                                 const std::vector<record>& batch, const std::string& where);
  /// Waits (up to the timeout) until the last stable offset of `p` is beyond
  /// `last`: a committed transaction is visible to read_committed readers.
  void wait_until_stable(rd_kafka_topic_t* rkt, partition_id p, std::int64_t last);
  /// The group's positions into the open transaction; the error (if any)
  /// requires an abort.
  [[nodiscard]] std::optional<error> send_offsets(const group_offsets& offsets, const std::string& where);
  /// Turns a transaction API error into a log error, remembering a fatal one
  /// (and one neither retriable nor abortable, which librdkafka says to
  /// treat as fatal).
  [[nodiscard]] error transaction_failure(rd_kafka_error_t* err, const std::string& what);
  /// Aborts the open transaction, calling again while it times out; an
  /// error means the producer is fatally broken (and remembered as such).
  [[nodiscard]] std::optional<error> abort_until_done(const std::string& where);
  [[nodiscard]] std::optional<error> fatal() const;
  /// Breaks the producer for good with E; CODE, librdkafka's, says whether it is a fence.
  void set_fatal(error e, rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR_NO_ERROR);
  void poll_loop();

  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);

  const kafka_log_options options_;
  client_ptr rk_;

  // Each append holds the stripe of its (topic, partition) while it enqueues,
  // so that two batches to one partition never interleave.
  std::array<std::mutex, 64> enqueue_stripes_;
  // Transactional producers run one transaction at a time.
  std::mutex transaction_mu_;

  mutable std::mutex fatal_mu_;
  std::optional<error> fatal_; // fatal_mu_
  /// PRODUCER_FENCED and its kin: a newer epoch of the transactional id.
  static bool is_fence(rd_kafka_resp_err_t err);
  std::atomic<bool> fenced_{false};

  std::atomic<bool> stop_{false};
  std::thread poller_; // serves delivery reports and errors: rd_kafka_poll()
};

} // namespace storemesh::events::kafka_detail
