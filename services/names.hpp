#pragma once
// The text every module checks the same way: names of things an operator
// types (hosts' datastores, routers, networks, storage systems) and host:port
// endpoints. Each check returns empty when valid, otherwise why not, so that a
// decider's rejection and the CLI's error say the same thing.

#include <string>
#include <string_view>

namespace storemesh::services {

/// [a-z0-9][a-z0-9_.-]{0,62}
[[nodiscard]] std::string check_name(std::string_view name);
/// host:port, port 1..65535, no spaces, at most 255 characters.
[[nodiscard]] std::string check_endpoint(std::string_view endpoint);

} // namespace storemesh::services
