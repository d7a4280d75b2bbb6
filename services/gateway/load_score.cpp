#include "services/gateway/load_score.hpp"

namespace storemesh::services::gateway {
namespace {

double weight_sum(const settings& s) { return s.weight_rate + s.weight_queue + s.weight_cpu; }

} // namespace

double load_score(const host::load_report& r, const settings& s) {
  const double terms = s.weight_rate * static_cast<double>(r.bytes_per_second) / static_cast<double>(s.rate_capacity) +
                       s.weight_queue * static_cast<double>(r.queue_depth) / static_cast<double>(s.queue_capacity) +
                       s.weight_cpu * r.cpu;
  return 100 * terms / weight_sum(s);
}

bool overloaded(double score, const settings& s) { return score >= s.overload_threshold; }

double workload_weight(double rate, double gateway_rate, std::size_t workloads, double cpu, const settings& s) {
  const double share = gateway_rate > 0 ? rate / gateway_rate : workloads > 0 ? 1.0 / static_cast<double>(workloads) : 0;
  const double terms = s.weight_rate * rate / static_cast<double>(s.rate_capacity) +
                       s.weight_queue / static_cast<double>(s.queue_capacity) + s.weight_cpu * cpu * share;
  return 100 * terms / weight_sum(s);
}

} // namespace storemesh::services::gateway
