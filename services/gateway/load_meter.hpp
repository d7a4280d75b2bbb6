#pragma once
// Turns what one gateway's copies did into its load reports. The agent tells
// it, for every workload (copy job) running there, the bytes copied and the
// CPU time spent so far in the current run (cumulative; a new run of the same
// job, after a migration back or a restart, starts again from 0), and at the
// end of each interval asks for the report:
//
//   bytes_per_second = bytes copied by its workloads in the interval / its length
//   workloads[j]     = the same, per workload that copied or ran in the interval
//   cpu              = CPU time of its copy threads in the interval
//                      / (its length * cores), at most 1
//   queue_depth      = as the agent counts it (jobs assigned to the gateway)
//
// Not thread-safe: the agent's thread owns it. No clock: times come in.

#include "services/host/host.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace storemesh::services::gateway {

class load_meter {
public:
  /// START_NS: when measuring began (the first report's interval starts there).
  explicit load_meter(std::int64_t start_ns) : last_ns_(start_ns) {}

  /// WORKLOAD's current run has copied BYTES and spent CPU_NS so far.
  void observe(const std::string& workload, std::uint64_t bytes, std::uint64_t cpu_ns);

  /// The report for the interval ending at NOW_NS, which starts the next one.
  /// Workloads not observed since the previous report are forgotten.
  [[nodiscard]] host::load_report report(std::int64_t now_ns, std::uint32_t queue_depth, unsigned cores);

private:
  struct counters {
    std::uint64_t last_bytes = 0, last_cpu_ns = 0;  ///< cumulative, as last observed
    std::uint64_t bytes = 0, cpu_ns = 0;            ///< since the previous report
    bool seen = false;                              ///< observed since the previous report
  };
  std::map<std::string, counters> workloads_;
  std::int64_t last_ns_;
};

} // namespace storemesh::services::gateway
