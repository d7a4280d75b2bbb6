#include "services/gateway/site_loads.hpp"

#include "services/gateway/load_score.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace storemesh::services::gateway {
namespace {

bool within(const std::map<std::string, std::int64_t>& when, const std::string& key, std::int64_t at_ns,
            std::int64_t cooldown_ns) {
  auto it = when.find(key);
  return it != when.end() && at_ns - it->second < cooldown_ns;
}

std::string seconds(std::int64_t ns) { return std::to_string((ns + seconds_ns / 2) / seconds_ns) + " s"; }

/// Each workload's rate: as reported, or for one the report does not list
/// (it started since), an even share of the rate the report does not
/// attribute.
/// (Hashed: a site of thousands of gateways reads every workload of each.)
std::unordered_map<std::string_view, double> workload_rates(const host::load_report& r,
                                                            const std::set<std::string>& jobs) {
  std::unordered_map<std::string_view, double> out;
  out.reserve(jobs.size());
  double attributed = 0;
  for (const auto& w : r.workloads)
    if (jobs.count(w.job) != 0) {
      out[w.job] = static_cast<double>(w.bytes_per_second);
      attributed += static_cast<double>(w.bytes_per_second);
    }
  const auto unknown = jobs.size() - out.size();
  const double rest = std::max(0.0, static_cast<double>(r.bytes_per_second) - attributed);
  for (const auto& j : jobs)
    out.try_emplace(j, unknown > 0 ? rest / static_cast<double>(unknown) : 0);
  return out;
}

/// Why a workload may not move, given its details (none: it has finished).
std::string unmovable(const fleet::job_entry* d, const std::string& job, double rate, const settings& s,
                      const recent_moves& recent, std::int64_t at_ns) {
  if (d == nullptr)
    return "finished";
  if (d->migrating)
    return "migrating";
  if (recent.workloads_in_flight.count(job) != 0)
    return "moving";
  if (within(recent.workloads, job, at_ns, s.cooldown_workload_ns))
    return "cooling down";
  // Moving a copy that ends before the move would settle only costs a hand-over.
  if (d->started && rate > 0 &&
      static_cast<double>(d->remaining) / rate * static_cast<double>(seconds_ns) <
          static_cast<double>(s.min_remaining_ns))
    return "ending";
  return {};
}

} // namespace

std::string why_unmovable(const fleet::view& f, const std::string& job, double rate, const settings& s,
                          const recent_moves& recent, std::int64_t at_ns) {
  auto d = f.job_details.find(job);
  return unmovable(d == f.job_details.end() ? nullptr : &d->second, job, rate, s, recent, at_ns);
}

site_view assess_site(const fleet::view& f, const std::string& site, const settings& s, const recent_moves& recent,
                      std::int64_t at_ns) {
  site_view out;
  out.input.spread_threshold = s.spread_threshold;
  out.input.overload_threshold = s.overload_threshold;
  out.input.max_moves = s.max_moves;
  for (const auto& [id, h] : f.hosts) {
    if (h.site == host::site::none || host::to_string(h.site) != site)
      continue;
    if (h.status != host::host_state::up) {
      out.excluded.push_back({id, std::string(host::to_string(h.status))});
      continue;
    }
    if (!h.load) {
      out.excluded.push_back({id, "no load report yet"});
      continue;
    }
    if (at_ns - h.load->at_ns > s.stale_after_ns) {
      out.excluded.push_back({id, "last load report " + seconds(at_ns - h.load->at_ns) + " old"});
      continue;
    }
    plan_gateway g;
    g.id = id;
    g.score = load_score(*h.load, s);
    g.overloaded = overloaded(g.score, s);
    g.cooling = recent.gateways_in_flight.count(id) != 0 || within(recent.gateways, id, at_ns, s.cooldown_gateway_ns);
    for (const auto& [name, path] : h.datastores)
      g.datastores.insert(name);
    const auto rates = workload_rates(*h.load, h.jobs);
    g.workloads.reserve(h.jobs.size());
    for (const auto& job : h.jobs) {
      plan_workload w;
      w.id = job;
      const double rate = rates.at(job);
      w.weight = workload_weight(rate, static_cast<double>(h.load->bytes_per_second), h.jobs.size(), h.load->cpu, s);
      auto d = f.job_details.find(job);
      const auto* details = d == f.job_details.end() ? nullptr : &d->second;
      w.movable = unmovable(details, job, rate, s, recent, at_ns).empty();
      if (details != nullptr) {
        w.source_datastore = details->source_datastore;
        w.destination_datastore = details->destination_datastore;
      }
      g.workloads.push_back(std::move(w));
    }
    out.input.gateways.push_back(std::move(g));
  }
  return out;
}

} // namespace storemesh::services::gateway
