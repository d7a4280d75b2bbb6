#pragma once
// file_log: the embedded event_log. Topics and partitions are directories,
// partitions are sequences of segment files of CRC-checked batches, on one
// machine, shared by any number of processes (README.md has the format).
//
//   <root>/<topic>/partitions                  partition count (decimal, '\n')
//   <root>/<topic>/<p>/<base offset:020>.seg   segments: batches back to back
//   <root>/<topic>/<p>/lock                    flock(2): appenders hold it exclusively
//
// Contract, beyond event_log's:
// - append() returns once the batch is written and, under
//   fsync_policy::always (the default), fdatasynced. Readers may see a batch
//   before its fdatasync returns. Offsets are Kafka's: 0 for the first record
//   of a partition, +1 per record, consecutive across batches and segments.
// - Several processes may append to one partition at once (the daemon and the
//   CLI): the partition lock serialises them, and each appender first catches
//   up with what the others wrote. end_offset(), read() and wait_beyond() see
//   other processes' appends too.
// - Recovery, on open and whenever an appender takes the lock: a torn tail of
//   a partition's last segment (incomplete batch, bad header, CRC mismatch,
//   and everything after it) is truncated. A bad batch in an earlier segment
//   is corruption: readers return corrupt_record and nothing after it. A batch
//   whose CRC matches but whose content is inconsistent is never truncated:
//   append() and open() report corrupt_record. Details: tail_recovery.hpp.
// - options.read_only (audit, `events tail`): nothing is created, truncated or
//   locked exclusively; create_topic() and append() fail with io_error.
// - Errors: disk_full for ENOSPC (nothing of the failed batch stays visible),
//   io_error naming the file and the call, and the event_log conditions.
// Thread-safe: any number of threads may call any member function.

#include "events/event_log.hpp"
#include "events/file_log/file_log_options.hpp"

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace storemesh::events {

namespace file_log_detail {
class partition;
}

class file_log final : public event_log {
public:
  /// Opens (creating the root directory unless read_only) and recovers every
  /// partition's tail (writable only). Fails if the root cannot be used, or a
  /// tail holds an inconsistent batch (corrupt_record).
  [[nodiscard]] static result<std::unique_ptr<file_log>> open(file_log_options options);
  /// Syncs what is unsynced under fsync_policy::interval, then closes.
  ~file_log() override;
  file_log(const file_log&) = delete;
  file_log& operator=(const file_log&) = delete;

  [[nodiscard]] result<void> create_topic(std::string_view topic, std::int32_t partitions) override;
  [[nodiscard]] result<std::int32_t> partitions(std::string_view topic) override;
  [[nodiscard]] result<offset> append(std::string_view topic, partition_id p,
                                      const std::vector<record>& batch) override;
  [[nodiscard]] result<offset> end_offset(std::string_view topic, partition_id p) override;
  [[nodiscard]] result<std::unique_ptr<log_reader>> read(std::string_view topic, partition_id p,
                                                         offset from) override;
  [[nodiscard]] result<offset> wait_beyond(std::string_view topic, partition_id p, offset known,
                                           std::chrono::milliseconds timeout) override;

  [[nodiscard]] const file_log_options& options() const { return options_; }

private:
  struct topic_state {
    std::int32_t partition_count = 0;
    std::vector<std::shared_ptr<file_log_detail::partition>> partitions; // opened on first use
  };

  explicit file_log(file_log_options options);
  [[nodiscard]] result<topic_state*> topic_locked(std::string_view topic);
  [[nodiscard]] result<std::shared_ptr<file_log_detail::partition>> partition_of(std::string_view topic,
                                                                                 partition_id p);
  [[nodiscard]] result<void> recover_all();
  void sync_loop();
  void sync_all();

  const file_log_options options_;

  std::mutex topics_mu_;
  std::map<std::string, topic_state, std::less<>> topics_; // topics_mu_

  // The background syncer of fsync_policy::interval.
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false; // stop_mu_
  std::thread syncer_;
};

} // namespace storemesh::events
