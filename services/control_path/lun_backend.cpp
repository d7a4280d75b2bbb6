#include "services/control_path/lun_backend.hpp"

namespace storemesh::services::control_path {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "lun"; }
  std::string message(int value) const override {
    switch (static_cast<lun_errc>(value)) {
      case lun_errc::no_such_lun: return "no such LUN";
      case lun_errc::bad_name: return "bad name";
      case lun_errc::snapshot_exists: return "snapshot exists";
      case lun_errc::snapshot_not_found: return "snapshot not found";
      case lun_errc::replication_active: return "replication active";
      case lun_errc::replication_not_active: return "replication not active";
      case lun_errc::too_many_snapshots: return "too many snapshots";
      case lun_errc::io_failure: return "storage I/O failure";
    }
    return "unknown lun error " + std::to_string(value);
  }
};

bool lead(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

} // namespace

const std::error_category& lun_category() noexcept {
  static const category instance;
  return instance;
}

bool valid_object_name(std::string_view n) noexcept {
  if (n.empty() || n.size() > 63 || !lead(n[0])) return false;
  for (char c : n)
    if (!lead(c) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

} // namespace storemesh::services::control_path
