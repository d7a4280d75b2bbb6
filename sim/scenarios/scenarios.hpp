#pragma once
// The scenarios this build simulates, one file each under sim/scenarios/.
// Adding one means a maker here and one line in registry.cpp.

#include "sim/scenario.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::sim {

std::unique_ptr<scenario> make_runtime_scenario();       ///< hosts: the runtime's intake, dedup, fencing
std::unique_ptr<scenario> make_migration_scenario();     ///< copy jobs, migrations, the copy agent on a simulated disk
std::unique_ptr<scenario> make_rebalancing_scenario();   ///< gateways' load reports and the rebalancer
std::unique_ptr<scenario> make_quorum_scenario();        ///< the management quorum: losses, promotions, tunnels
std::unique_ptr<scenario> make_consensus_scenario();     ///< routers, topology proposals and votes
std::unique_ptr<scenario> make_control_path_scenario();  ///< the control path's storage systems and hosts
std::unique_ptr<scenario> make_access_scenario();        ///< storage sessions, scans, the policy
std::unique_ptr<scenario> make_delivery_scenario();      ///< edges, contents, slice delivery

/// Every scenario's name, "mixed" last.
[[nodiscard]] const std::vector<std::string>& scenario_names();
/// The scenario `name` ("mixed": all of them at once), or null.
[[nodiscard]] std::unique_ptr<scenario> make_scenario(std::string_view name);

} // namespace storemesh::sim
