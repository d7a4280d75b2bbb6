#pragma once
// One partition of one topic, as this process sees it: the directory
// "<root>/<topic>/<p>/" holding "<base>.seg" segment files and a "lock" file.
//
// The tail view. The partition caches where the log ends (the active, i.e.
// newest, segment; the bytes of valid batches in it; the end offset). Other
// processes append too, so the view is refreshed before it is used: fstat the
// active segment, scan what it grew by (verifying every batch), and stat
// "<end>.seg" to follow a roll. When nothing changed that is two syscalls.
//
// Appending. append() encodes the batch, takes the partition lock exclusively,
// refreshes the view (cutting a torn tail a dead writer left: see
// tail_recovery.hpp), rolls the segment if the batch would not fit, writes the
// batch with one pwrite at the end of the valid data, releases the lock and
// then, under fsync_policy::always, fdatasyncs. Concurrent appenders of this
// process are serialised by a mutex; the fdatasync happens outside it, so
// appenders that wrote meanwhile share one fdatasync (group commit).
// Visibility precedes durability: readers, in this process or another, may
// see a batch before its fdatasync has returned — as a Kafka consumer reading
// to the log end, not to the high watermark, would.
//
// A failed write is cut back (ftruncate to the previous end) before append()
// returns, so nothing of the batch is ever visible. A failed fdatasync, or a
// failed cut, leaves the partition unusable for appends from this instance
// until it is reopened: after a failed fsync Linux may have dropped the dirty
// pages, and the log can no longer say what is on disk.
//
// Thread-safe: every member function may be called from any thread.

#include "events/error.hpp"
#include "events/event_log.hpp"
#include "events/file_log/file_log_options.hpp"
#include "events/file_log/posix_file.hpp"
#include "events/file_log/read_start.hpp"
#include "events/file_log/sparse_index.hpp"
#include "events/file_log/tail_recovery.hpp"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace storemesh::events::file_log_detail {

class partition {
public:
  /// Opens the partition directory and recovers its tail: writable, under the
  /// exclusive lock, cutting a torn tail; read-only, without a lock or a cut.
  [[nodiscard]] static result<std::shared_ptr<partition>> open(std::filesystem::path dir,
                                                               const file_log_options& opts);
  ~partition();
  partition(const partition&) = delete;
  partition& operator=(const partition&) = delete;

  /// Appends one batch atomically; returns the offset of its first record.
  [[nodiscard]] result<offset> append(const std::vector<record>& batch);

  /// The offset the next record will get, counting appends of other processes
  /// (bytes written, not necessarily fsynced yet).
  [[nodiscard]] result<offset> end_offset();

  /// Returns once the end offset is beyond `known` (woken at once by appends
  /// of this process; polls the file every 2..10 ms for other processes), or
  /// at the timeout. Returns the end offset at that moment.
  [[nodiscard]] result<offset> wait_beyond(offset known, std::chrono::milliseconds timeout);

  /// Positions a new reader at `from` (offset_out_of_range beyond the end).
  [[nodiscard]] result<read_start> locate(offset from);

  /// fdatasyncs what this process wrote and has not synced yet (for
  /// fsync_policy::interval).
  [[nodiscard]] result<void> sync_written();

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

private:
  struct segment_file;

  partition(std::filesystem::path dir, const file_log_options& opts);

  // All of these need view_mu_ held.
  [[nodiscard]] result<void> refresh(tail_mode mode);
  [[nodiscard]] result<void> install(unique_fd fd, offset base);
  [[nodiscard]] result<void> open_segment(offset base);
  [[nodiscard]] result<void> roll(); // and the exclusive lock
  [[nodiscard]] sparse_index& index_of(offset segment_base); // index_mu_ held instead

  const std::filesystem::path dir_;
  const std::filesystem::path lock_path_;
  const std::uint64_t segment_bytes_;
  const fsync_policy sync_;
  const bool read_only_;
  unique_fd lock_fd_; // the lock file, kept open: flock() on it per append

  std::mutex append_mu_;           // one appender of this process at a time
  std::vector<std::byte> scratch_; // the batch being appended; append_mu_

  std::mutex view_mu_; // guards the tail view below
  std::condition_variable grew_;
  std::shared_ptr<segment_file> active_; // newest segment; null: none yet
  std::uint64_t valid_bytes_ = 0;        // bytes of valid batches in active_
  offset end_{0};                        // offset the next record gets
  file_stamp seen_;                      // active_'s stamp when last scanned
  std::optional<error> failed_;          // set once appends can no longer be trusted

  std::mutex index_mu_; // lock order: view_mu_, then index_mu_
  std::map<std::int64_t, sparse_index> indexes_; // segment base -> its index
};

} // namespace storemesh::events::file_log_detail
