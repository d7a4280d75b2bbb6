#pragma once
// The advisory lock of one partition: flock(2) on "<partition>/lock".
//
// Appenders hold it EXCLUSIVE while they look at the tail, write and (if the
// tail is torn) truncate, so the daemon and the CLI can append to the same
// partition from two processes. Readers never need it, except SHARED and
// briefly, to tell "a write in progress" from "corruption" when they see a
// bad batch at the tail: while they hold it shared, no writer is mid-write.
//
// flock locks belong to an open file description: two file_log instances in
// one process exclude each other like two processes do, but two threads
// sharing one descriptor do not — the partition's mutex covers those.

#include "events/error.hpp"

#include <filesystem>
#include <utility>

namespace storemesh::events::file_log_detail {

class partition_lock {
public:
  enum class mode { shared, exclusive };

  /// Blocks until the lock is held.
  [[nodiscard]] static result<partition_lock> acquire(int fd, mode m, const std::filesystem::path& file);

  partition_lock(partition_lock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  partition_lock& operator=(partition_lock&&) = delete;
  partition_lock(const partition_lock&) = delete;
  partition_lock& operator=(const partition_lock&) = delete;
  ~partition_lock();

private:
  explicit partition_lock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

} // namespace storemesh::events::file_log_detail
