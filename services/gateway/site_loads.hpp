#pragma once
// One site's gateways as the planner sees them, read from the fleet view:
// every up gateway of the site with a fresh load report, its score, whether
// it is overloaded or cooling down, and its workloads (the copy jobs it runs)
// with their weights and whether they may move. Pure: the rebalancer's
// decider, `storemesh rebalance --dry-run` and `storemesh gateway list` all
// read a site through this one function.

#include "services/fleet/fleet.hpp"
#include "services/gateway/rebalance_plan.hpp"
#include "services/gateway/settings.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace storemesh::services::gateway {

/// What the rebalancer remembers of its moves, for the cool-downs.
struct recent_moves {
  std::map<std::string, std::int64_t> workloads;  ///< job -> when it last moved
  std::map<std::string, std::int64_t> gateways;   ///< gateway -> when it last gave or took a workload
  std::set<std::string> workloads_in_flight;      ///< planned moves not handed over yet
  std::set<std::string> gateways_in_flight;       ///< their sources and targets
};

struct excluded_gateway {
  std::string id;
  std::string why;
};

struct site_view {
  plan_input input;
  std::vector<excluded_gateway> excluded;  ///< the site's gateways that are not scored, and why
};

/// The site's gateways at AT_NS (the evaluation's time; reports older than
/// stale_after are not used). The input carries the settings' thresholds.
[[nodiscard]] site_view assess_site(const fleet::view& f, const std::string& site, const settings& s,
                                    const recent_moves& recent, std::int64_t at_ns);

/// Why a workload may not move, or empty. Exposed for `gateway list`.
[[nodiscard]] std::string why_unmovable(const fleet::view& f, const std::string& job, double rate, const settings& s,
                                        const recent_moves& recent, std::int64_t at_ns);

} // namespace storemesh::services::gateway
