#pragma once
// What the load score and the rebalancer depend on, per site. Event-sourced:
// an operator sets them with `storemesh rebalance configure` (the
// rebalancer's `configured` event), so every daemon and every replay decides
// with the same figures. Until then, the defaults below apply.

#include <cstdint>
#include <string>

namespace storemesh::services::gateway {

inline constexpr std::int64_t seconds_ns = 1'000'000'000;

struct settings {
  // -- the load score (load_score.hpp) ------------------------------------------------
  double weight_rate = 0.5;                   ///< weight of bytes/s replicated
  double weight_queue = 0.2;                  ///< weight of the queue depth
  double weight_cpu = 0.3;                    ///< weight of the CPU used by copies
  std::uint64_t rate_capacity = 100ull << 20; ///< bytes/s at which the rate term is full
  std::uint32_t queue_capacity = 16;          ///< workloads at which the queue term is full
  double overload_threshold = 85;             ///< a score at or above it is overloaded

  // -- the rebalancer (rebalance_plan.hpp, rebalancer.hpp) -----------------------------
  double spread_threshold = 0.25;             ///< rebalance when (highest - lowest) / highest exceeds it
  std::uint32_t max_moves = 100;              ///< moves per plan; 0 = no limit
  std::int64_t interval_ns = 30 * seconds_ns; ///< scheduled evaluations; 0 = on demand only
  std::int64_t cooldown_workload_ns = 300 * seconds_ns;  ///< a moved workload stays put this long
  std::int64_t cooldown_gateway_ns = 60 * seconds_ns;    ///< a gateway that gave or took rests this long
  std::int64_t min_remaining_ns = 10 * seconds_ns;       ///< a workload due to end sooner is not moved
  std::int64_t move_timeout_ns = 600 * seconds_ns;       ///< a move not handed over by then is dropped

  // -- gateways' load reports (actors/copy_agent.hpp) ----------------------------------
  std::int64_t report_interval_ns = 5 * seconds_ns;      ///< how often an agent reports
  std::int64_t stale_after_ns = 30 * seconds_ns;         ///< an older report does not count

  bool operator==(const settings& o) const;
  bool operator!=(const settings& o) const { return !(*this == o); }
};

/// Empty when the settings are usable, otherwise why not (one line).
[[nodiscard]] std::string check_settings(const settings& s);

} // namespace storemesh::services::gateway
