#include "services/control_path/control_protocol_errc.hpp"

#include <string>

namespace storemesh::services::control_path {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "control protocol"; }
  std::string message(int value) const override {
    switch (static_cast<protocol_errc>(value)) {
      case protocol_errc::bad_magic: return "bad magic";
      case protocol_errc::bad_version: return "unsupported version";
      case protocol_errc::unknown_type: return "unknown frame type";
      case protocol_errc::bad_flags: return "reserved flags set";
      case protocol_errc::oversize: return "body too large";
      case protocol_errc::malformed: return "malformed body";
      case protocol_errc::bad_message: return "cannot encode the message";
    }
    return "unknown control protocol error " + std::to_string(value);
  }
};

} // namespace

const std::error_category& protocol_category() noexcept {
  static const category instance;
  return instance;
}

std::string_view wire_error_code(protocol_errc e) noexcept {
  switch (e) {
    case protocol_errc::oversize: return "oversize";
    case protocol_errc::bad_version: return "bad_version";
    case protocol_errc::unknown_type: return "unknown_type";
    case protocol_errc::bad_magic:
    case protocol_errc::bad_flags:
    case protocol_errc::malformed:
    case protocol_errc::bad_message: return "malformed";
  }
  return "malformed";
}

} // namespace storemesh::services::control_path
