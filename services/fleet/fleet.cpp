#include "services/fleet/fleet.hpp"

namespace storemesh::services::fleet {

void view::put_host(const std::string& id, const host::state& s) {
  if (!s.registered)
    return;
  auto& h = hosts[id];
  h.status = s.status;
  for (const auto& [name, path] : h.datastores)
    if (auto m = mounts.find(name); m != mounts.end() && --m->second == 0)
      mounts.erase(m);
  h.datastores.clear();
  for (const auto& ds : s.datastores)
    if (h.datastores.emplace(ds.name, ds.path).second)
      ++mounts[ds.name];
  h.site = s.site;
  h.load = s.load;
}

void view::put_job(const std::string& job, const std::string& host) {
  if (auto was = job_hosts.find(job); was != job_hosts.end()) {
    if (was->second != host)
      if (auto h = hosts.find(was->second); h != hosts.end())
        h->second.jobs.erase(job);
    job_hosts.erase(was);
  }
  if (host.empty())
    return;
  hosts[host].jobs.insert(job);
  job_hosts[job] = host;
}

void view::put_waiting(const std::string& job, bool waits) {
  if (waits)
    waiting.insert(job);
  else
    waiting.erase(job);
}

void view::put_job_details(const std::string& job, std::optional<job_entry> details) {
  if (details)
    job_details[job] = std::move(*details);
  else
    job_details.erase(job);
}

void view::put_rebalancer(const std::string& site, rebalancer_entry entry) { rebalancers[site] = std::move(entry); }

const gateway::settings& view::settings_for(const std::string& site) const {
  static const gateway::settings defaults{};
  auto it = rebalancers.find(site);
  return it == rebalancers.end() ? defaults : it->second.config;
}

bool view::has_datastore(const std::string& name) const {
  if (mounts.count(name) != 0)
    return true;
  // Hosts written into the view directly (a test's fleet) are not counted.
  for (const auto& [id, h] : hosts)
    if (h.datastores.count(name) != 0)
      return true;
  return false;
}

std::optional<rejection> check_target(const view& v, const std::string& host, const std::string& source_datastore,
                                      const std::string& destination_datastore) {
  auto it = v.hosts.find(host);
  if (it == v.hosts.end() || it->second.datastores.empty())
    return rejection{"unknown_host", "host '" + host + "' is not registered"};
  if (it->second.status != host::host_state::up)
    return rejection{"host_unavailable",
                     "host '" + host + "' is " + std::string(host::to_string(it->second.status)) + ", not up"};
  for (const auto* ds : {&source_datastore, &destination_datastore})
    if (it->second.datastores.count(*ds) == 0)
      return rejection{"unreachable_datastore", "host '" + host + "' does not mount datastore '" + *ds + "'"};
  return std::nullopt;
}

std::optional<std::string> choose_host(const view& v, const std::string& source_datastore,
                                       const std::string& destination_datastore, const std::string& exclude) {
  std::optional<std::string> best;
  std::size_t best_jobs = 0;
  for (const auto& [id, h] : v.hosts) {  // ordered by id: ties go to the smallest
    if (id == exclude || check_target(v, id, source_datastore, destination_datastore))
      continue;
    if (!best || h.jobs.size() < best_jobs) {
      best = id;
      best_jobs = h.jobs.size();
    }
  }
  return best;
}

} // namespace storemesh::services::fleet
