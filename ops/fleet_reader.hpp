#pragma once
// The fleet as a daemon sees it, rebuilt by the CLI from the log (read-only):
// the fleet view every decider reads (hosts, gateways with their latest load
// report, jobs, each site's rebalancer), each site's rebalancer state, and
// each rebalancer's events in order with the command that caused each, so a
// subcommand can pick out one decision. `gateway list` and `rebalance` read
// the same view the rebalancer decides with, through the same code.

#include "actors/topics.hpp"
#include "events/event_log.hpp"
#include "services/fleet/fleet.hpp"
#include "services/gateway/rebalancer.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace storemesh::ops {

struct recorded_event {
  services::rebalancer::event event;
  std::string causation;  ///< id of the command that caused it (raw bytes)
  std::int64_t timestamp_ns = 0;
};

struct fleet_snapshot {
  services::fleet::view view;
  std::map<std::string, services::rebalancer::state> rebalancers;  ///< by site
  std::map<std::string, std::vector<recorded_event>> history;      ///< by site, in order
};

/// Throws cli_error when the log cannot be read.
[[nodiscard]] fleet_snapshot read_fleet(events::event_log& log, const actors::topics& names);

/// Unix time in ns: when the CLI scores gateways and asks for an evaluation
/// (load reports carry their agents' times on the same clock).
[[nodiscard]] std::int64_t now_ns();

/// The rebalancer state of SITE, or a fresh one (default settings).
[[nodiscard]] services::rebalancer::state rebalancer_of(const fleet_snapshot& f, const std::string& site);

} // namespace storemesh::ops
