#pragma once
// What delivery's subcommands parse alike: a place on the map, a time.

#include "services/delivery/layout.hpp"

#include <cstdint>
#include <string>

namespace storemesh::ops {

/// "X,Y" in kilometres (decimals allowed) -> a location in metres.
[[nodiscard]] services::delivery::location parse_location(const std::string& flag, const std::string& text);
/// "X,Y" km, for people.
[[nodiscard]] std::string location_text(services::delivery::location at);
/// Unix seconds (decimals allowed), or "now"; -> nanoseconds.
[[nodiscard]] std::int64_t parse_time(const std::string& flag, const std::string& text);

} // namespace storemesh::ops
