#pragma once
// receive_log: the text file a router writes one line to per datagram it
// receives, so that a test (or an operator) can prove which path each
// datagram took. The format is datagram_plane.hpp's.
//
// Append-only (O_APPEND: a log reopened keeps what it had). Lines collect in
// memory and are written in batches: when flush() is called (the plane calls
// it every 50 ms and on stop) or when a batch reaches flush_bytes. No fsync:
// the log is evidence for tests on a live machine, not a durable record.
//
// Threads: one writer (the plane's io thread, then stop() once it joined).

#include "events/error.hpp"

#include <cstddef>
#include <filesystem>
#include <string>

namespace storemesh::actors::router_plane {

class receive_log {
public:
  static constexpr std::size_t flush_bytes = 256 * 1024;

  /// Opens (creates) `path` for appending; log_failed with errno otherwise.
  [[nodiscard]] static result<receive_log> open(const std::filesystem::path& path);
  receive_log(receive_log&& o) noexcept;
  receive_log& operator=(receive_log&&) = delete;
  receive_log(const receive_log&) = delete;
  ~receive_log();  ///< flush() and close

  /// The buffer lines are appended to (each ending in '\n'); call
  /// maybe_flush() after a batch of them.
  [[nodiscard]] std::string& buffer() noexcept { return pending_; }
  void maybe_flush() {
    if (pending_.size() >= flush_bytes) flush();
  }
  /// Writes what is pending. A failed write is counted and its lines dropped
  /// (the log must not stop the plane); see write_errors().
  void flush();
  [[nodiscard]] std::size_t write_errors() const noexcept { return write_errors_; }

private:
  explicit receive_log(int fd) : fd_(fd) {}
  int fd_ = -1;
  std::string pending_;
  std::size_t write_errors_ = 0;
};

} // namespace storemesh::actors::router_plane
