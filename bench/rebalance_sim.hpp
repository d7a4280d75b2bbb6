#pragma once
// bench_rebalance's simulated site: gateways, their workloads (copy jobs)
// placed with a skew, and the load reports those workloads would produce.
// Built as the daemon holds it (a fleet view), so that the benchmark times
// what the rebalancer's decider does with it.

#include "services/fleet/fleet.hpp"
#include "services/gateway/rebalance_plan.hpp"
#include "services/gateway/settings.hpp"

#include <cstdint>
#include <string>

namespace storemesh::rbench {

struct sim_options {
  std::size_t gateways = 1000;
  std::size_t workloads = 50'000;
  /// "hot": a tenth of the gateways hold half the workloads, the rest are
  /// spread evenly; "zipf": the i-th gateway gets a share in 1 / i (s = 1).
  std::string skew = "hot";
  std::uint64_t seed = 1;
  std::int64_t at_ns = 1'000'000'000'000'000'000;
};

/// The settings the simulated gateways are scored with: the defaults, with
/// capacities scaled to gateways that carry about 50 workloads each.
[[nodiscard]] services::gateway::settings sim_settings();

/// Every gateway of site "primary", up, reported at o.at_ns; every workload
/// running, started, far from its end, copying at 1..32 MiB/s; each
/// gateway's CPU as a 2-core machine hashing at 1.4 GB/s per core would use.
[[nodiscard]] services::fleet::view simulate(const sim_options& o);

/// Replays a plan's moves on its input: empty when every move left its target
/// no busier than its source and not overloaded, otherwise the first that did not.
[[nodiscard]] std::string check_moves(const services::gateway::plan_input& in, const services::gateway::plan& p);

} // namespace storemesh::rbench
