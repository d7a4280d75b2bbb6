#pragma once
// One rebalancer decision as an operator reads it: the site's gateways with
// their scores before and (predicted) after, the gateways not scored and why,
// the outcome with its reason, the moves, alerts. Built from the decision's
// events, whether the daemon decided them (`storemesh rebalance`) or the CLI
// ran the same decider without recording anything (`--dry-run`).

#include "ops/fleet_reader.hpp"
#include "services/gateway/rebalancer.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace storemesh::ops {

struct decision_summary {
  std::string site;
  services::rebalancer::trigger why = services::rebalancer::trigger::on_demand;
  std::int64_t at_ns = 0;
  std::vector<services::rebalancer::gateway_score> gateways;
  std::map<std::string, double> after;  ///< predicted scores once the moves are made
  std::vector<std::string> excluded;
  std::string outcome;  ///< skipped_all_overloaded, below_threshold, unbalanceable, planned
  std::string reason;
  double spread_before = 0, spread_after = 0, threshold = 0;
  std::uint32_t plan = 0;
  std::vector<services::rebalancer::move> moves;
  std::vector<std::string> alerts;   ///< "raised: ...", "cleared: ..."
  std::vector<std::string> dropped;  ///< moves given up at this evaluation, "JOB: why"
  std::optional<std::size_t> lower_bound;  ///< dry runs: lower_bound_moves of the same input
};

/// The decision the events of one evaluate command make; THRESHOLD from the
/// settings it was decided with.
[[nodiscard]] decision_summary summarize(const std::vector<services::rebalancer::event>& events, double threshold);

/// The events of the last evaluation recorded for SITE (those its command
/// caused); empty when it was never evaluated.
[[nodiscard]] std::vector<services::rebalancer::event> last_decision(const fleet_snapshot& f, const std::string& site);

/// Human-readable, several lines; FLEET gives each gateway's load figures.
void print_summary(const decision_summary& d, const services::fleet::view& fleet, bool dry_run);
/// One JSON object.
[[nodiscard]] std::string summary_json(const decision_summary& d, bool dry_run);

} // namespace storemesh::ops
