#pragma once
// Conditions the copy engine (the data plane of a file copy job) reports.
// The layer above sorts them: disk_full and source_changed are for an operator
// or a restart of the job; io_error and verification_failed mean the storage
// itself is suspect.

#include <system_error>

namespace storemesh::services::migration {

enum class engine_errc {
  /// A datastore-relative path that is not one: empty, absolute, with "." or
  /// ".." or empty components, a NUL byte, a trailing '/', or too long.
  bad_path = 1,
  /// Resolving the path (through symlinks) would leave the datastore's root.
  path_escapes_datastore,
  /// The file (or the destination's parent directory) does not exist.
  not_found,
  /// The source exists but cannot be opened or read (not a regular file, EIO).
  source_unreadable,
  /// The source's size or modification time differs from the one recorded
  /// when the job started, or it ended early: the copy would mix two versions.
  source_changed,
  /// The destination's file system is full (ENOSPC, EDQUOT, or EFBIG from a
  /// file size limit): free space, then resume.
  disk_full,
  /// Any other I/O failure on the temp or destination (the detail names the
  /// call and the file).
  io_error,
  /// A chunk read back from the destination still differs from the source's
  /// hash after being copied again: the destination storage is suspect.
  verification_failed,
  /// The job was stopped before its range was copied. copy_range reports a stop
  /// as a normal outcome (reached_end = false); this is for callers that have
  /// to turn a stopped run into an error.
  stopped,
};

const std::error_category& engine_category() noexcept;

inline std::error_code make_error_code(engine_errc e) noexcept { return {static_cast<int>(e), engine_category()}; }

} // namespace storemesh::services::migration

template <>
struct std::is_error_code_enum<storemesh::services::migration::engine_errc> : std::true_type {};
