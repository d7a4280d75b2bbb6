#pragma once
// Thin, error-as-value wrappers over the POSIX calls the file log makes. Every
// failure names the call and the file, and ENOSPC/EDQUOT become disk_full so
// callers can tell "free some space" from "the disk is failing".

#include "events/error.hpp"
#include "events/posix_io.hpp"

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <utility>

namespace storemesh::events::file_log_detail {

/// Owns one file descriptor (events/posix_io.hpp).
using unique_fd = posix::unique_fd;

/// Size and modification time: enough to tell "nothing changed" cheaply.
struct file_stamp {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = -1;
  friend bool operator==(const file_stamp& a, const file_stamp& b) {
    return a.size == b.size && a.mtime_ns == b.mtime_ns;
  }
  friend bool operator!=(const file_stamp& a, const file_stamp& b) { return !(a == b); }
};

/// log_errc::disk_full for ENOSPC/EDQUOT, else log_errc::io_error; the detail
/// reads "<call> <file>: <strerror>".
[[nodiscard]] error io_failure(int err, std::string_view call, const std::filesystem::path& file);

/// open(2) with O_CLOEXEC added.
[[nodiscard]] result<unique_fd> open_file(const std::filesystem::path& file, int flags, mode_t mode = 0644);
/// Like open_file, but a missing file is an empty result rather than an error.
[[nodiscard]] result<unique_fd> open_if_exists(const std::filesystem::path& file, int flags);

/// Reads up to n bytes at pos; fewer only at end of file.
[[nodiscard]] result<std::size_t> pread_full(int fd, std::byte* buf, std::size_t n, std::uint64_t pos,
                                             const std::filesystem::path& file);
/// Writes all n bytes at pos, or fails (possibly after writing a prefix).
[[nodiscard]] result<void> pwrite_full(int fd, const std::byte* buf, std::size_t n, std::uint64_t pos,
                                       const std::filesystem::path& file);
[[nodiscard]] result<void> truncate_file(int fd, std::uint64_t size, const std::filesystem::path& file);
[[nodiscard]] result<void> datasync_file(int fd, const std::filesystem::path& file);
/// Makes the directory's entries (a created or renamed file) durable.
[[nodiscard]] result<void> sync_directory(const std::filesystem::path& dir);
[[nodiscard]] result<file_stamp> stamp_of(int fd, const std::filesystem::path& file);
[[nodiscard]] result<bool> file_exists(const std::filesystem::path& file);
/// mkdir(2) that accepts an existing directory.
[[nodiscard]] result<void> make_directory(const std::filesystem::path& dir);

} // namespace storemesh::events::file_log_detail
