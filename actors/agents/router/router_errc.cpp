#include "actors/agents/router/router_errc.hpp"

#include <string>

namespace storemesh::actors::router {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "router"; }
  std::string message(int value) const override {
    switch (static_cast<router_errc>(value)) {
      case router_errc::not_registered: return "router not registered";
      case router_errc::not_caught_up: return "log not read to its end";
      case router_errc::fetch_failed: return "cannot fetch the file";
    }
    return "unknown router error " + std::to_string(value);
  }
};

} // namespace

const std::error_category& router_category() noexcept {
  static const category instance;
  return instance;
}

} // namespace storemesh::actors::router
