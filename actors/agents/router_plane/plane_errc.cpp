#include "actors/agents/router_plane/plane_errc.hpp"

#include <string>

namespace storemesh::actors::router_plane {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "router plane"; }
  std::string message(int value) const override {
    switch (static_cast<plane_errc>(value)) {
      case plane_errc::bad_endpoint: return "bad UDP endpoint";
      case plane_errc::bind_failed: return "cannot bind the UDP socket";
      case plane_errc::log_failed: return "cannot open the receive log";
      case plane_errc::epoch_zero: return "epoch 0 is the unstamped epoch";
      case plane_errc::not_installed: return "epoch not installed";
      case plane_errc::send_failed: return "cannot send datagrams";
      case plane_errc::bad_option: return "bad option";
    }
    return "unknown router plane error " + std::to_string(value);
  }
};

} // namespace

const std::error_category& plane_category() noexcept {
  static const category instance;
  return instance;
}

} // namespace storemesh::actors::router_plane
