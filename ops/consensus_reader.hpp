#pragma once
// The routers and a network's topology entity, folded by the CLI from the log
// (read-only): what `router list` and `topology status` show. The folding is
// the deciders' own evolve, so the CLI sees exactly what the entities decide
// with.

#include "ops/cli_context.hpp"
#include "services/consensus/agreement.hpp"
#include "services/consensus/router_node.hpp"

#include <map>
#include <string>

namespace storemesh::ops {

/// Every router, by name (only registered ones hold a spec).
[[nodiscard]] std::map<std::string, services::router::state> read_routers(const data_options& data);

/// The topology entity of NETWORK (the initial state if it has no events).
[[nodiscard]] services::topology::state read_topology(const data_options& data, const std::string& network);

} // namespace storemesh::ops
