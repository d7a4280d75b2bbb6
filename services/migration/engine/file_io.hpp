#pragma once
// The engine's POSIX calls, errors as values. Every failure names the call and
// the file; a full file system (ENOSPC, EDQUOT, or EFBIG from a file size
// limit) is always disk_full, so the caller can tell "free some space and
// resume" from "the disk is failing". Internal to the engine.

#include "events/error.hpp"
#include "events/posix_io.hpp"
#include "services/migration/engine/engine_errc.hpp"

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <utility>

namespace storemesh::services::migration::engine_detail {

/// Owns one file descriptor (events/posix_io.hpp).
using unique_fd = posix::unique_fd;

/// disk_full for ENOSPC/EDQUOT/EFBIG, not_found for ENOENT, else `otherwise`;
/// the detail reads "<call> <file>: <strerror>".
[[nodiscard]] error io_failure(int err, std::string_view call, const std::filesystem::path& file,
                               engine_errc otherwise = engine_errc::io_error);

/// open(2) with O_CLOEXEC added; failures map as in io_failure.
[[nodiscard]] result<unique_fd> open_file(const std::filesystem::path& file, int flags, engine_errc otherwise,
                                          mode_t mode = 0644);

/// Reads up to n bytes at pos; fewer only at end of file.
[[nodiscard]] result<std::size_t> pread_full(int fd, std::byte* buf, std::size_t n, std::uint64_t pos,
                                             const std::filesystem::path& file, engine_errc otherwise);
/// Writes all n bytes at pos, or fails (possibly after writing a prefix).
[[nodiscard]] result<void> pwrite_full(int fd, const std::byte* buf, std::size_t n, std::uint64_t pos,
                                       const std::filesystem::path& file);
[[nodiscard]] result<void> datasync_file(int fd, const std::filesystem::path& file);
/// fsync of a directory: makes a created or renamed entry in it durable.
[[nodiscard]] result<void> sync_directory(const std::filesystem::path& dir);
/// Drops the file's clean cached pages, so that the next read comes from the
/// storage, not from the pages we wrote (advice: no error if ignored).
void drop_cached_pages(int fd, std::uint64_t offset = 0, std::uint64_t length = 0);

} // namespace storemesh::services::migration::engine_detail
