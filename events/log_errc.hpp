#pragma once
// Conditions a log (FileLog or KafkaLog) reports.

#include <system_error>

namespace storemesh::events {

enum class log_errc {
  /// A record's checksum or framing is wrong in the middle of the log (not a
  /// torn tail): the log is damaged and nothing after the bad record is served.
  corrupt_record = 1,
  /// The topic does not exist.
  unknown_topic,
  /// The partition index is outside the topic's partitions.
  unknown_partition,
  /// A topic name that cannot be a directory or Kafka topic name.
  bad_topic_name,
  /// The requested offset is beyond the end of the partition.
  offset_out_of_range,
  /// A batch is empty or a record is larger than the log accepts.
  bad_batch,
  /// The disk is full: the batch was not appended (nothing of it is visible).
  disk_full,
  /// Any other I/O failure (the detail names the file and the call).
  io_error,
  /// The broker or client reported a failure the log cannot recover from.
  broker_error,
  /// The log does not offer this (consumer groups on the FileLog).
  unsupported,
  /// This member no longer owns the partition: the group gave it to another
  /// (a zombie's write, refused whole).
  fenced,
  /// The write was decided under a tenure of a partition that has ended
  /// (partition_claim): refused whole, nothing written. Unlike `fenced`, the
  /// member knows already: whatever the work answered is redelivered under
  /// the current tenure, so the writer drops it and nothing more is needed.
  stale_claim,
  /// A committed position is not stable yet: a transaction that commits it
  /// is still open (KIP-447). Ask again; it ends within the transaction
  /// timeout.
  unstable_position,
  /// The transaction was aborted (the broker failed a write, the coordinator
  /// timed it out or moved): nothing of it is in the log, and the same
  /// batches may be appended again.
  aborted,
  /// No broker answered within the log's timeout (all down, or
  /// unreachable). Nothing is lost: the call may be made again, and the
  /// reader or log that said so stays usable.
  unavailable,
};

/// Conditions that pass by themselves (a broker restarting, a coordinator
/// moving, a previous owner's transaction ending): the caller waits and
/// tries again rather than stopping.
[[nodiscard]] bool passes_by_itself(const std::error_code& e) noexcept;

const std::error_category& log_category() noexcept;

inline std::error_code make_error_code(log_errc e) noexcept {
  return {static_cast<int>(e), log_category()};
}

} // namespace storemesh::events

template <>
struct std::is_error_code_enum<storemesh::events::log_errc> : std::true_type {};
