#include "services/gateway/load_meter.hpp"

#include <algorithm>
#include <cmath>

namespace storemesh::services::gateway {

void load_meter::observe(const std::string& workload, std::uint64_t bytes, std::uint64_t cpu_ns) {
  auto& c = workloads_[workload];
  // A counter below its last value belongs to a new run, which counts from 0.
  c.bytes += bytes >= c.last_bytes ? bytes - c.last_bytes : bytes;
  c.cpu_ns += cpu_ns >= c.last_cpu_ns ? cpu_ns - c.last_cpu_ns : cpu_ns;
  c.last_bytes = bytes;
  c.last_cpu_ns = cpu_ns;
  c.seen = true;
}

host::load_report load_meter::report(std::int64_t now_ns, std::uint32_t queue_depth, unsigned cores) {
  host::load_report r;
  r.at_ns = now_ns;
  r.interval_ns = std::max<std::int64_t>(1, now_ns - last_ns_);
  r.queue_depth = queue_depth;
  const double seconds = static_cast<double>(r.interval_ns) / 1e9;
  double bytes = 0, cpu_ns = 0;
  for (auto it = workloads_.begin(); it != workloads_.end();) {
    auto& c = it->second;
    if (!c.seen) {
      it = workloads_.erase(it);
      continue;
    }
    bytes += static_cast<double>(c.bytes);
    cpu_ns += static_cast<double>(c.cpu_ns);
    r.workloads.push_back({it->first, static_cast<std::uint64_t>(std::llround(static_cast<double>(c.bytes) / seconds))});
    c.bytes = 0;
    c.cpu_ns = 0;
    c.seen = false;
    ++it;
  }
  r.bytes_per_second = static_cast<std::uint64_t>(std::llround(bytes / seconds));
  r.cpu = std::clamp(cpu_ns / (static_cast<double>(r.interval_ns) * std::max(1u, cores)), 0.0, 1.0);
  last_ns_ = now_ns;
  return r;
}

} // namespace storemesh::services::gateway
