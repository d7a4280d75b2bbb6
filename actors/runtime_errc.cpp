#include "actors/runtime_errc.hpp"

#include <string>

namespace storemesh::actors {
namespace {
class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "runtime"; }
  std::string message(int value) const override {
    switch (static_cast<runtime_errc>(value)) {
      case runtime_errc::sequence_gap: return "sequence gap";
      case runtime_errc::broken_chain: return "broken hash chain";
      case runtime_errc::bad_snapshot: return "bad snapshot";
      case runtime_errc::bad_record: return "bad record";
      case runtime_errc::timeout: return "timed out";
      case runtime_errc::rejected: return "rejected";
      case runtime_errc::bad_topics: return "topics do not fit together";
    }
    return "unknown runtime error " + std::to_string(value);
  }
};
} // namespace

const std::error_category& runtime_category() noexcept {
  static const category instance;
  return instance;
}

} // namespace storemesh::actors
