#include "actors/agents/control_path/control_errc.hpp"

#include <string>

namespace storemesh::agents::control_path {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "control path"; }
  std::string message(int value) const override {
    switch (static_cast<control_errc>(value)) {
      case control_errc::bad_endpoint: return "bad endpoint";
      case control_errc::listen_failed: return "cannot listen";
      case control_errc::bad_option: return "bad option";
      case control_errc::connect_failed: return "cannot connect";
      case control_errc::timed_out: return "timed out";
      case control_errc::connection_closed: return "connection closed before the reply";
      case control_errc::connection_broken: return "connection broken";
      case control_errc::bad_reply: return "bad reply";
      case control_errc::bad_request: return "bad request";
    }
    return "unknown control path error " + std::to_string(value);
  }
};

} // namespace

const std::error_category& control_category() noexcept {
  static const category instance;
  return instance;
}

} // namespace storemesh::agents::control_path
