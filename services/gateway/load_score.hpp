#pragma once
// The load score of a replication gateway, from its latest load report:
//
//   score = 100 * ( w_rate  * bytes_per_second / rate_capacity
//                 + w_queue * queue_depth      / queue_capacity
//                 + w_cpu   * cpu )                               / (w_rate + w_queue + w_cpu)
//
// 0 is idle; 100 is every term at its capacity (a score can exceed 100).
// A gateway is overloaded when its score is at or above overload_threshold.
//
// A workload's weight is the part of its gateway's score it accounts for:
// its own rate, one place in the queue, and the CPU in proportion to its
// share of the gateway's rate. The weights of a gateway's workloads add up to
// its score when the report covers them all; the planner assumes a workload
// carries its weight with it when it moves.

#include "services/gateway/settings.hpp"
#include "services/host/host.hpp"

#include <cstddef>

namespace storemesh::services::gateway {

[[nodiscard]] double load_score(const host::load_report& r, const settings& s);

[[nodiscard]] bool overloaded(double score, const settings& s);

/// RATE: the workload's bytes/s; GATEWAY_RATE: its gateway's; WORKLOADS: how
/// many share the gateway (the CPU is split evenly when nothing copied).
[[nodiscard]] double workload_weight(double rate, double gateway_rate, std::size_t workloads, double cpu,
                                     const settings& s);

} // namespace storemesh::services::gateway
