#pragma once
// What a copy job records about its source when it starts, and checks before
// every chunk: if either changed, the destination would mix two versions of
// the file, so the job fails with source_changed.

#include "events/error.hpp"

#include <cstdint>
#include <filesystem>

struct stat;

namespace storemesh::services::migration {

struct source_identity {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;  // st_mtim in nanoseconds since the epoch

  friend bool operator==(const source_identity& a, const source_identity& b) {
    return a.size == b.size && a.mtime_ns == b.mtime_ns;
  }
  friend bool operator!=(const source_identity& a, const source_identity& b) { return !(a == b); }
};

/// The identity of a regular file: not_found if it does not exist,
/// source_unreadable if it cannot be stat'ed or is not a regular file.
[[nodiscard]] result<source_identity> stat_source(const std::filesystem::path& file);

/// The same, from the fstat(2) of an open source.
[[nodiscard]] result<source_identity> identity_of(int fd, const std::filesystem::path& file);

/// source_changed (naming both identities) unless the open source still has
/// the identity `expect`.
[[nodiscard]] result<void> check_unchanged(int fd, const std::filesystem::path& file, const source_identity& expect);

} // namespace storemesh::services::migration
