#pragma once
// How the CLI gets a topology file by its CID: from a local object store
// (--store DIR), or from the gateways of the routers registered in the log
// (the one named first, then the others), every block verified against the
// CID. What `topology show` and `route` share.

#include "ops/cli_context.hpp"
#include "services/consensus/router_node.hpp"

#include <map>
#include <string>

namespace storemesh::ops {

/// The file's bytes; throws cli_error naming every attempt when none succeeds.
[[nodiscard]] std::string fetch_topology_text(const std::map<std::string, services::router::state>& routers,
                                              const std::string& cid, const std::string& first_router,
                                              const std::string& store_dir);

} // namespace storemesh::ops
