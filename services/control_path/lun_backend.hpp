#pragma once
// lun_backend: what the SCSI target asks of the storage behind its LUNs. The
// target is pure; an implementation does the I/O (agents_storage_system's
// file_luns keeps LUNs as files). Errors are values with a lun_errc code,
// which the target maps to sense data (FC_FORMAT.md, "Sense").

#include "events/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace storemesh::services::control_path {

enum class lun_errc {
  /// No LUN with this number.
  no_such_lun = 1,
  /// A snapshot or replication target name outside [a-z0-9][a-z0-9_.-]{0,62}.
  bad_name,
  /// A snapshot with this name exists already.
  snapshot_exists,
  /// No snapshot with this name.
  snapshot_not_found,
  /// The LUN already replicates (stop it first).
  replication_active,
  /// The LUN does not replicate.
  replication_not_active,
  /// The LUN holds max_snapshots snapshots already.
  too_many_snapshots,
  /// The storage failed (a copy, a metadata write): the detail says which.
  io_failure,
};
const std::error_category& lun_category() noexcept;
inline std::error_code make_error_code(lun_errc e) noexcept { return {static_cast<int>(e), lun_category()}; }

/// Names of snapshots and replication targets: [a-z0-9][a-z0-9_.-]{0,62}.
[[nodiscard]] bool valid_object_name(std::string_view name) noexcept;

struct snapshot_info {
  std::string name;
  std::uint64_t size_bytes = 0;
  std::uint64_t created_unix_s = 0;  // as the backend recorded it
};

enum class replication_state : std::uint8_t { none = 0, active = 1, stopped = 2 };

struct replication_info {
  replication_state state = replication_state::none;
  std::string target;
  std::uint64_t bytes_copied = 0;  // of the full copy start made
};

class lun_backend {
public:
  virtual ~lun_backend() = default;
  /// The LUN numbers, ascending.
  [[nodiscard]] virtual std::vector<std::uint64_t> luns() const = 0;
  [[nodiscard]] virtual result<std::uint64_t> size_bytes(std::uint64_t lun) const = 0;
  [[nodiscard]] virtual result<void> snapshot_create(std::uint64_t lun, const std::string& name) = 0;
  /// Ascending by name.
  [[nodiscard]] virtual result<std::vector<snapshot_info>> snapshot_list(std::uint64_t lun) const = 0;
  [[nodiscard]] virtual result<void> snapshot_delete(std::uint64_t lun, const std::string& name) = 0;
  /// Copies the whole LUN to the target's replica, then records the session active.
  [[nodiscard]] virtual result<replication_info> replication_start(std::uint64_t lun, const std::string& target) = 0;
  [[nodiscard]] virtual result<replication_info> replication_stop(std::uint64_t lun) = 0;
  [[nodiscard]] virtual result<replication_info> replication_status(std::uint64_t lun) const = 0;
};

} // namespace storemesh::services::control_path

template <>
struct std::is_error_code_enum<storemesh::services::control_path::lun_errc> : std::true_type {};
