#include "actors/agents/coordination/coordination_errc.hpp"

#include <string>

namespace storemesh::actors::coordination {
namespace {
class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "coordination"; }
  std::string message(int value) const override {
    switch (static_cast<coordination_errc>(value)) {
      case coordination_errc::malformed_message: return "malformed message";
      case coordination_errc::link_closed: return "link closed";
      case coordination_errc::unavailable: return "unavailable";
      case coordination_errc::not_member: return "not a management server";
      case coordination_errc::not_caught_up: return "replica not caught up";
      case coordination_errc::timeout: return "timed out";
      case coordination_errc::refused: return "refused";
    }
    return "unknown coordination error " + std::to_string(value);
  }
};
} // namespace

const std::error_category& coordination_category() noexcept {
  static const category instance;
  return instance;
}

} // namespace storemesh::actors::coordination
