#pragma once
// Conditions a kv replica (kv_replica.hpp) reports to the management server
// that keeps it.

#include <system_error>

namespace storemesh::services::kv {

enum class kv_errc {
  /// An event's sequence skips revisions the replica has not applied: the
  /// tail missed records (or read another keyspace's); rebuild from the log.
  sequence_gap = 1,
  /// A watch asked for changes from a revision older than the replica's
  /// history keeps (etcd's ErrCompacted); the detail names the oldest one
  /// available (replica::oldest_revision()).
  compacted,
  /// A watch id that is already watching.
  duplicate_watch,
  /// A watch on a key or prefix that is no key (see kv::check_key).
  bad_watch,
};

const std::error_category& kv_category() noexcept;

inline std::error_code make_error_code(kv_errc e) noexcept { return {static_cast<int>(e), kv_category()}; }

} // namespace storemesh::services::kv

template <>
struct std::is_error_code_enum<storemesh::services::kv::kv_errc> : std::true_type {};
