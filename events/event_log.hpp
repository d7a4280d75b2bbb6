#pragma once
// The log behind every entity: named topics split into partitions, each an
// append-only sequence of keyed records. FileLog (embedded) and KafkaLog
// (librdkafka) implement this one interface; nothing above events/ knows which
// one it talks to.

#include "events/error.hpp"
#include "events/log_errc.hpp"
#include "events/partition_group.hpp"
#include "events/strong_types.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::events {

/// A record as read back. The views point into the reader's buffer and stay
/// valid until that reader's next poll() or its destruction.
struct record_view {
  offset off;
  std::int64_t timestamp_ns = 0;
  std::string_view key;
  std::string_view value;
};

/// A record to append; owns its bytes.
struct record {
  std::string key;
  std::string value;
  std::int64_t timestamp_ns = 0;
};

/// Reads one partition forward from an offset. Not thread-safe: one reader per
/// thread. Only whole, checksum-verified records are ever returned.
class log_reader {
public:
  virtual ~log_reader() = default;

  /// Appends to `out` the next records, up to about max_bytes of payload (but
  /// always at least one record when one is available). Returns how many were
  /// appended; 0 means caught up with the end of the partition for now.
  /// A corrupt record is an error (errc::corrupt_record), and no record after
  /// it is ever returned by this reader.
  [[nodiscard]] virtual result<std::size_t> poll(std::vector<record_view>& out,
                                                 std::size_t max_bytes = 1 << 20) = 0;

  /// Offset of the next record poll() will return.
  [[nodiscard]] virtual offset position() const = 0;
};

/// Thread-safe: any number of threads may append and read concurrently.
class event_log {
public:
  virtual ~event_log() = default;

  /// Creates the topic with `partitions` partitions if it does not exist.
  /// An existing topic keeps its partition count (idempotent).
  [[nodiscard]] virtual result<void> create_topic(std::string_view topic, std::int32_t partitions) = 0;

  /// Number of partitions of an existing topic (errc::unknown_topic otherwise).
  [[nodiscard]] virtual result<std::int32_t> partitions(std::string_view topic) = 0;

  /// Appends a batch to one partition, atomically: after a crash either every
  /// record of the batch is in the log or none is. Returns the offset of the
  /// batch's first record; the others follow consecutively. "Done" means
  /// durable as the log's sync policy says (FileLog: fsynced under the default
  /// policy; KafkaLog: acknowledged by all in-sync replicas).
  [[nodiscard]] virtual result<offset> append(std::string_view topic, partition_id p,
                                              const std::vector<record>& batch) = 0;

  /// One batch of append_all().
  struct batch_ref {
    std::string_view topic;
    partition_id partition;
    const std::vector<record>* records;
    /// Whether the append returns only once readers see the batch (Kafka:
    /// the last stable offset is past it). Its writer's own readers need
    /// that (an entity recovered after passivation must see its last
    /// events); a batch for a topic every daemon writes (commands) can do
    /// without, and should: another producer's open transaction there would
    /// hold the append up until it ends.
    bool await_visibility = true;
  };
  /// Appends several batches, each as append() would, and returns each one's
  /// first offset. A log with transactions (KafkaLog opened with a
  /// transactional id) makes them one transaction: read_committed readers see
  /// all of them or none, and a fenced writer (a zombie) adds none. Others
  /// append them in order: each batch atomic, not the whole; after an error
  /// the earlier batches are in the log.
  [[nodiscard]] virtual result<std::vector<offset>> append_all(const std::vector<batch_ref>& batches) {
    std::vector<offset> firsts;
    firsts.reserve(batches.size());
    for (const auto& b : batches) {
      SM_TRY(auto first, append(b.topic, b.partition, *b.records));
      firsts.push_back(first);
    }
    return firsts;
  }
  /// append_all(), and the group's read positions with it: the consume ->
  /// decide -> produce loop's "offsets sent to the transaction". A log with
  /// transactions that knows the group (a KafkaLog with a group it joined)
  /// commits them inside the transaction, so a member the group has expelled
  /// (a zombie: its generation is stale) has its whole transaction refused and
  /// adds nothing. Others append, then commit: a crash between the two only
  /// redelivers commands, which entities recognise by id.
  /// Claims (offsets_commit::claims) are checked before anything is
  /// written: a stale one refuses the whole call (log_errc::stale_claim).
  [[nodiscard]] virtual result<std::vector<offset>> append_committing(const std::vector<batch_ref>& batches,
                                                                      const offsets_commit& commit) {
    if (commit.group != nullptr)
      SM_TRYV(commit.group->check(commit.claims));
    std::vector<offset> firsts;
    if (!batches.empty()) {
      SM_TRY(firsts, append_all(batches));
    }
    if (commit.group != nullptr && !commit.next.empty())
      SM_TRYV(commit.group->commit(commit.topic, commit.next));
    return firsts;
  }
  /// The offset the next appended record of this partition will get.
  [[nodiscard]] virtual result<offset> end_offset(std::string_view topic, partition_id p) = 0;

  /// Whether a transaction is open on the partition: records written but
  /// neither committed nor aborted yet, so that readers see nothing past its
  /// first record until it ends. A partition's new owner waits for the
  /// previous owner's to end (it does within the transaction timeout) before
  /// it writes there. Logs without transactions: never.
  [[nodiscard]] virtual result<bool> transaction_open(std::string_view topic, partition_id p) {
    (void)topic;
    (void)p;
    return false;
  }

  /// A failure of this client that a new client of the same log may cure
  /// (on Kafka: the producer's fatal error after a broker outage, whose
  /// transaction's outcome it could not learn), or nothing. The daemon's
  /// owner then stops it, opens the log again and starts it anew: it resumes
  /// by replay, as after a restart. When it is a fence (fenced()), a new
  /// client cures it only if nobody else holds this client's identity: the
  /// owner has to know (serve: ops/instance_claim.hpp).
  [[nodiscard]] virtual std::optional<error> needs_reopen() const { return std::nullopt; }
  /// Whether needs_reopen()'s failure is a fence: a newer epoch of this
  /// client's transactional identity, taken by another client or by the
  /// coordinator after aborting a transaction of this one that timed out.
  [[nodiscard]] virtual bool fenced() const { return false; }

  /// A reader positioned at `from` (0 = the beginning).
  [[nodiscard]] virtual result<std::unique_ptr<log_reader>> read(std::string_view topic, partition_id p,
                                                                 offset from) = 0;

  /// Joins the consumer group `group` dividing the partitions of `topic`
  /// among its members (see partition_group.hpp). Logs without groups (the
  /// FileLog serves one process) refuse with errc::unsupported.
  [[nodiscard]] virtual result<std::unique_ptr<partition_group>> join_group(std::string_view topic,
                                                                          std::string_view group) {
    return make_error(log_errc::unsupported, "consumer group " + std::string(group) + " for " +
                                                 std::string(topic) + ": this log has no consumer groups");
  }

  /// Waits until the partition's end offset is beyond `known`, or until the
  /// timeout. Returns the end offset at that moment (== known on timeout).
  [[nodiscard]] virtual result<offset> wait_beyond(std::string_view topic, partition_id p, offset known,
                                                   std::chrono::milliseconds timeout) = 0;
};

/// The partition a key belongs to: Kafka's default (murmur2) partitioner, so
/// that the FileLog, the KafkaLog and any Java client place a key alike.
[[nodiscard]] partition_id partition_for(std::string_view key, std::int32_t partitions);

} // namespace storemesh::events
