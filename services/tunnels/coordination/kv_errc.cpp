#include "services/tunnels/coordination/kv_errc.hpp"

#include <string>

namespace storemesh::services::kv {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "kv"; }
  std::string message(int value) const override {
    switch (static_cast<kv_errc>(value)) {
      case kv_errc::sequence_gap: return "sequence gap";
      case kv_errc::compacted: return "required revision has been compacted";
      case kv_errc::duplicate_watch: return "watch id already in use";
      case kv_errc::bad_watch: return "bad watch key";
    }
    return "unknown kv error " + std::to_string(value);
  }
};

} // namespace

const std::error_category& kv_category() noexcept {
  static const category instance;
  return instance;
}

} // namespace storemesh::services::kv
