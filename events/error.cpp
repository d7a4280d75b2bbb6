#include "events/error.hpp"

namespace storemesh {

std::string error::message() const {
  std::string out = code.category().name();
  out += ": ";
  out += code.message();
  if (!detail.empty()) {
    out += ": ";
    out += detail;
  }
  return out;
}

error errno_error(int err, std::string detail) {
  return error{std::error_code(err, std::generic_category()), std::move(detail)};
}

} // namespace storemesh
