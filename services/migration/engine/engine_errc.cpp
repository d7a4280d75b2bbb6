#include "services/migration/engine/engine_errc.hpp"

#include <string>

namespace storemesh::services::migration {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "copy engine"; }
  std::string message(int value) const override {
    switch (static_cast<engine_errc>(value)) {
      case engine_errc::bad_path: return "bad datastore-relative path";
      case engine_errc::path_escapes_datastore: return "path leads out of its datastore";
      case engine_errc::not_found: return "file not found";
      case engine_errc::source_unreadable: return "source cannot be read";
      case engine_errc::source_changed: return "source changed since the job started";
      case engine_errc::disk_full: return "destination disk full";
      case engine_errc::io_error: return "I/O error";
      case engine_errc::verification_failed: return "destination does not match the source";
      case engine_errc::stopped: return "copy stopped";
    }
    return "unknown copy engine error " + std::to_string(value);
  }
};

} // namespace

const std::error_category& engine_category() noexcept {
  static const category instance;
  return instance;
}

} // namespace storemesh::services::migration
