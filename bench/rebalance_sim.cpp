#include "bench/rebalance_sim.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <vector>

namespace storemesh::rbench {

namespace host = services::host;

services::gateway::settings sim_settings() {
  services::gateway::settings s;
  s.rate_capacity = 2ull << 30;  // 2 GiB/s of replication per gateway
  s.queue_capacity = 128;
  s.max_moves = 0;
  return s;
}

namespace {

std::string gateway_id(std::size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "gw-%04zu", i);
  return buf;
}

/// Which gateway each workload lands on.
std::vector<std::size_t> placement(const sim_options& o, std::mt19937_64& rng) {
  std::vector<double> share(o.gateways, 1.0);
  if (o.skew == "zipf") {
    for (std::size_t i = 0; i < o.gateways; ++i)
      share[i] = 1.0 / static_cast<double>(i + 1);
  } else {
    // Half the workloads on the first tenth of the gateways.
    const std::size_t hot = std::max<std::size_t>(1, o.gateways / 10);
    for (std::size_t i = 0; i < o.gateways; ++i)
      share[i] = i < hot ? 0.5 / static_cast<double>(hot) : 0.5 / static_cast<double>(o.gateways - hot);
  }
  std::discrete_distribution<std::size_t> pick(share.begin(), share.end());
  std::vector<std::size_t> out(o.workloads);
  for (auto& g : out)
    g = pick(rng);
  return out;
}

} // namespace

services::fleet::view simulate(const sim_options& o) {
  std::mt19937_64 rng(o.seed);
  std::uniform_int_distribution<std::uint64_t> rate(1u << 20, 32u << 20);
  services::fleet::view f;
  std::vector<host::load_report> reports(o.gateways);
  for (std::size_t i = 0; i < o.gateways; ++i) {
    auto& h = f.hosts[gateway_id(i)];
    h.site = host::site::primary;
    h.datastores = {{"src", "/srv/src"}, {"dst", "/srv/dst"}};
    reports[i].at_ns = o.at_ns;
    reports[i].interval_ns = 5'000'000'000;
  }
  const auto where = placement(o, rng);
  for (std::size_t w = 0; w < o.workloads; ++w) {
    char job[32];
    std::snprintf(job, sizeof job, "job-%06zu", w);
    const auto g = where[w];
    const auto r = rate(rng);
    f.hosts[gateway_id(g)].jobs.insert(job);
    f.job_details[job] = services::fleet::job_entry{"src", "dst", false, true, 1ull << 40};
    reports[g].workloads.push_back({job, r});
    reports[g].bytes_per_second += r;
    reports[g].queue_depth += 1;
  }
  for (std::size_t i = 0; i < o.gateways; ++i) {
    // SHA-256 at 1.4 GB/s per core (DESIGN.md), 2 cores.
    reports[i].cpu = std::min(1.0, static_cast<double>(reports[i].bytes_per_second) / 2.8e9);
    f.hosts[gateway_id(i)].load = std::move(reports[i]);
  }
  return f;
}

std::string check_moves(const services::gateway::plan_input& in, const services::gateway::plan& p) {
  std::map<std::string, double> score;
  for (const auto& g : in.gateways)
    score[g.id] = g.score;
  for (const auto& m : p.moves) {
    if (score[m.to] + m.weight > (score[m.from] - m.weight) * (1 + services::gateway::equal_within(in.spread_threshold)) + 1e-6)
      return "move of " + m.workload + " " + m.from + " -> " + m.to + " inverts the pair";
    if (score[m.to] + m.weight >= in.overload_threshold)
      return "move of " + m.workload + " overloads " + m.to;
    score[m.from] -= m.weight;
    score[m.to] += m.weight;
  }
  return {};
}

} // namespace storemesh::rbench
