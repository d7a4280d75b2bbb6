#include "ops/size_text.hpp"

#include "ops/cli_context.hpp"

#include <fmt/core.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace storemesh::ops {
namespace {

[[noreturn]] void bad(const std::string& where, const std::string& key, const std::string& text, const char* why) {
  throw cli_error(fmt::format("{}: {} = '{}': {}", where, key, text, why), 2);
}

} // namespace

double parse_number(const std::string& where, const std::string& key, const std::string& text) {
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno != 0 || !std::isfinite(v))
    bad(where, key, text, "not a number");
  return v;
}

std::uint64_t parse_size(const std::string& where, const std::string& key, const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.'))
    ++digits;
  if (digits == 0)
    bad(where, key, text, "not a size (a number with an optional K, M, G or T suffix)");
  const double n = parse_number(where, key, text.substr(0, digits));
  std::string suffix = text.substr(digits);
  auto strip = [&](std::string_view tail) {
    if (suffix.size() < tail.size() || suffix.compare(suffix.size() - tail.size(), tail.size(), tail) != 0)
      return false;
    suffix.erase(suffix.size() - tail.size());
    return true;
  };
  if (!strip("iB"))
    (void)strip("B");
  double scale = 1;
  if (suffix == "k" || suffix == "K") scale = 1024.0;
  else if (suffix == "m" || suffix == "M") scale = 1024.0 * 1024;
  else if (suffix == "g" || suffix == "G") scale = 1024.0 * 1024 * 1024;
  else if (suffix == "t" || suffix == "T") scale = 1024.0 * 1024 * 1024 * 1024;
  else if (!suffix.empty()) bad(where, key, text, "unknown size suffix (K, M, G or T)");
  return static_cast<std::uint64_t>(std::llround(n * scale));
}

} // namespace storemesh::ops
