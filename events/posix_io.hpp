#pragma once
// The POSIX calls every file-writing layer needs (the FileLog, the copy
// engine), done once: an owned descriptor, whole reads and writes that retry
// EINTR, a directory fsync. Each returns errno on failure; the caller turns it
// into its own error (which condition, which file), since "disk full" or "not
// found" mean different things to a log and to a copy job.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

namespace storemesh::posix {

/// "<call> <file>: <strerror>", the detail of every I/O error.
[[nodiscard]] std::string failure_detail(int err, std::string_view call, const std::filesystem::path& file);

/// Owns one file descriptor; closes it on destruction.
class unique_fd {
public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept;
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd();

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] explicit operator bool() const { return fd_ >= 0; }

private:
  int fd_ = -1;
};

/// Reads up to n bytes at pos (fewer only at end of file) into `done`;
/// 0, or the errno that stopped it.
[[nodiscard]] int pread_full(int fd, std::byte* buf, std::size_t n, std::uint64_t pos, std::size_t& done) noexcept;
/// Writes all n bytes at pos; 0, or the errno that stopped it (a prefix may
/// be written).
[[nodiscard]] int pwrite_full(int fd, const std::byte* buf, std::size_t n, std::uint64_t pos) noexcept;

} // namespace storemesh::posix
