#include "services/gateway/settings.hpp"

#include <cmath>

namespace storemesh::services::gateway {

bool settings::operator==(const settings& o) const {
  return weight_rate == o.weight_rate && weight_queue == o.weight_queue && weight_cpu == o.weight_cpu &&
         rate_capacity == o.rate_capacity && queue_capacity == o.queue_capacity &&
         overload_threshold == o.overload_threshold && spread_threshold == o.spread_threshold &&
         max_moves == o.max_moves && interval_ns == o.interval_ns &&
         cooldown_workload_ns == o.cooldown_workload_ns && cooldown_gateway_ns == o.cooldown_gateway_ns &&
         min_remaining_ns == o.min_remaining_ns && move_timeout_ns == o.move_timeout_ns &&
         report_interval_ns == o.report_interval_ns && stale_after_ns == o.stale_after_ns;
}

std::string check_settings(const settings& s) {
  for (auto [w, name] : {std::pair{s.weight_rate, "weight_rate"}, std::pair{s.weight_queue, "weight_queue"},
                         std::pair{s.weight_cpu, "weight_cpu"}})
    if (!std::isfinite(w) || w < 0)
      return std::string(name) + " must be a number >= 0";
  if (s.weight_rate + s.weight_queue + s.weight_cpu <= 0)
    return "at least one weight must be above 0";
  if (s.rate_capacity == 0)
    return "rate_capacity must be above 0";
  if (s.queue_capacity == 0)
    return "queue_capacity must be above 0";
  if (!std::isfinite(s.overload_threshold) || s.overload_threshold <= 0)
    return "overload_threshold must be above 0";
  // 0 would rebalance any difference at all (and chase measurement noise); 1
  // or more could never be exceeded.
  if (!std::isfinite(s.spread_threshold) || s.spread_threshold <= 0 || s.spread_threshold >= 1)
    return "spread_threshold must be in (0, 1)";
  for (auto [ns, name] : {std::pair{s.interval_ns, "interval"}, std::pair{s.cooldown_workload_ns, "cooldown_workload"},
                          std::pair{s.cooldown_gateway_ns, "cooldown_gateway"},
                          std::pair{s.min_remaining_ns, "min_remaining"}})
    if (ns < 0)
      return std::string(name) + " must be >= 0";
  if (s.move_timeout_ns <= 0)
    return "move_timeout must be above 0";
  // Below 100 ms the reports would cost more than what they measure.
  if (s.report_interval_ns < seconds_ns / 10)
    return "report_interval must be at least 0.1 s";
  // An idle gateway reports only every stale_after / 2: it must stay fresh.
  if (s.stale_after_ns < 2 * s.report_interval_ns)
    return "stale_after must be at least twice report_interval";
  return {};
}

} // namespace storemesh::services::gateway
