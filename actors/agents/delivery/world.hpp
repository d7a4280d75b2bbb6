#pragma once
// The read model of delivery: every user group (with its request history),
// content, edge unit and delivery, folded from the log by each kind's own
// decider (ops/delivery_world reads it). One read serves plan, run, status
// and fetch.

#include "services/delivery/content.hpp"
#include "services/delivery/edge_unit.hpp"
#include "services/delivery/planning/preference.hpp"
#include "services/delivery/process.hpp"
#include "services/delivery/user_group.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace storemesh::agents::delivery {

using request = services::delivery::planning::request;

struct world {
  std::map<std::string, services::delivery::user_group::state> groups;
  std::map<std::string, services::delivery::content::state> contents;
  std::map<std::string, services::delivery::edge_unit::state> edges;
  std::map<std::string, services::delivery::process::state> deliveries;  ///< by delivery id
  std::vector<request> history;  ///< every request, in log order

  /// The origin's endpoint ("" when no origin attached).
  [[nodiscard]] std::string origin_endpoint() const;
};

/// The edges of `kind` edge, nearest to `at` first (ties by name): a
/// reschedule's candidates, a fetch's order.
[[nodiscard]] std::vector<std::string> nearest_edges(const world& w, services::delivery::location at, bool up_only);

} // namespace storemesh::agents::delivery
