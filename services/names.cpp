#include "services/names.hpp"

#include <algorithm>

namespace storemesh::services {
namespace {
bool lower_or_digit(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'); }
bool name_char(char ch) { return lower_or_digit(ch) || ch == '_' || ch == '.' || ch == '-'; }
bool digit(char ch) { return ch >= '0' && ch <= '9'; }
} // namespace

std::string check_name(std::string_view name) {
  if (name.empty() || name.size() > 63)
    return "must be 1 to 63 characters";
  if (!lower_or_digit(name.front()))
    return "must start with a lowercase letter or digit";
  if (!std::all_of(name.begin(), name.end(), name_char))
    return "may hold only a-z, 0-9, '_', '.', '-'";
  return {};
}

std::string check_endpoint(std::string_view endpoint) {
  if (endpoint.size() > 255)
    return "is too long";
  const auto colon = endpoint.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return "must be host:port";
  for (char ch : endpoint.substr(0, colon))
    if (static_cast<unsigned char>(ch) <= ' ' || ch == '/')
      return "the host must not hold spaces, slashes or control characters";
  const auto port = endpoint.substr(colon + 1);
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), digit))
    return "the port must be a number";
  const auto n = std::stoul(std::string(port));
  if (n == 0 || n > 65535)
    return "the port must be 1 to 65535";
  return {};
}

} // namespace storemesh::services
