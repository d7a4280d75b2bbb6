#include "ops/delivery_args.hpp"

#include "events/envelope/envelope_builder.hpp"
#include "ops/cli_context.hpp"
#include "ops/size_text.hpp"

#include <fmt/core.h>

#include <cmath>

namespace storemesh::ops {

services::delivery::location parse_location(const std::string& flag, const std::string& text) {
  const auto comma = text.find(',');
  if (comma == std::string::npos)
    throw cli_error(flag + " '" + text + "' is not X,Y (kilometres)", 2);
  const double x = parse_number(flag, "x", text.substr(0, comma)), y = parse_number(flag, "y", text.substr(comma + 1));
  if (std::fabs(x) > 1e9 || std::fabs(y) > 1e9)
    throw cli_error(flag + " '" + text + "' is off the map (|km| <= 1e9)", 2);
  return {std::llround(x * 1000), std::llround(y * 1000)};
}

std::string location_text(services::delivery::location at) {
  return fmt::format("{:g},{:g}", static_cast<double>(at.x_m) / 1000, static_cast<double>(at.y_m) / 1000);
}

std::int64_t parse_time(const std::string& flag, const std::string& text) {
  if (text.empty() || text == "now")
    return events::envelope::now_ns();
  const double s = parse_number(flag, "seconds", text);
  if (s <= 0 || s > 9.2e9)
    throw cli_error(flag + " '" + text + "' is not Unix seconds after 1970", 2);
  return static_cast<std::int64_t>(std::llround(s * 1e9));
}

} // namespace storemesh::ops
