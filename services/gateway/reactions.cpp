#include "services/gateway/reactions.hpp"

#include "services/gateway/rebalancer_codec.hpp"
#include "services/host/host_codec.hpp"
#include "services/migration/copy_job_codec.hpp"

namespace storemesh::services::rebalancer {
namespace {

using job = copy_job::entity;
using pm = rebalancer::entity;

/// The site whose rebalancer has a move of JOB under way, or empty.
std::string moving_site(const fleet::view& fleet, const std::string& id) {
  for (const auto& [site, r] : fleet.rebalancers)
    if (r.pending.count(id) != 0)
      return site;
  return {};
}

std::vector<issued_command> react_to_host(const std::string& id, const host::event& e, const fleet::view& fleet) {
  const auto* reported = std::get_if<host::load_reported>(&e);
  if (reported == nullptr)
    return {};
  auto h = fleet.hosts.find(id);
  if (h == fleet.hosts.end() || h->second.site == host::site::none)
    return {};
  const std::string site(host::to_string(h->second.site));
  const auto at = reported->report.at_ns;
  const auto& config = fleet.settings_for(site);
  if (config.interval_ns == 0)
    return {};
  if (auto r = fleet.rebalancers.find(site);
      r != fleet.rebalancers.end() && r->second.evaluations > 0 && at < r->second.last_evaluated_ns + config.interval_ns)
    return {};
  std::vector<issued_command> out;
  out.push_back(issue<pm>(site, evaluate{site, trigger::scheduled, at}));
  return out;
}

std::vector<issued_command> react_to_job(const std::string& id, const copy_job::event& e, std::int64_t at,
                                         const fleet::view& fleet) {
  const auto site = moving_site(fleet, id);
  if (site.empty())
    return {};
  std::vector<issued_command> out;
  std::visit(overloaded{
                 [&](const copy_job::assigned& x) {
                   if (x.migration > 0)
                     out.push_back(issue<pm>(site, observe_moved{site, id, x.host, at}));
                 },
                 [&](const copy_job::completed&) { out.push_back(issue<pm>(site, observe_ended{site, id, true, at})); },
                 [&](const copy_job::failed&) { out.push_back(issue<pm>(site, observe_ended{site, id, false, at})); },
                 [&](const auto&) {},
             },
             e);
  return out;
}

std::vector<issued_command> react_to_rebalancer(const std::string& site, const event& e) {
  std::vector<issued_command> out;
  if (const auto* p = std::get_if<planned>(&e))
    for (const auto& m : p->moves)
      out.push_back(issue<job>(m.workload, copy_job::migrate{m.to, move_reason(site, p->plan, m.from, m.to)}));
  return out;
}

} // namespace

const std::vector<std::string_view>& reaction_inputs() {
  static const std::vector<std::string_view> kinds{host::entity::kind, pm::kind, job::kind};
  return kinds;
}

std::vector<issued_command> react(std::string_view kind, const std::string& id, schema::Envelope::Reader event,
                                  const fleet::view& fleet) {
  if (kind == host::entity::kind) {
    auto e = host::entity::read_event(event);
    return e ? react_to_host(id, e.value(), fleet) : std::vector<issued_command>{};
  }
  if (kind == pm::kind) {
    auto e = pm::read_event(event);
    return e ? react_to_rebalancer(id, e.value()) : std::vector<issued_command>{};
  }
  if (kind == job::kind) {
    auto e = job::read_event(event);
    // The event's own time: the same on every replay.
    return e ? react_to_job(id, e.value(), event.getTimestampNs(), fleet) : std::vector<issued_command>{};
  }
  return {};
}

std::string move_reason(const std::string& site, std::uint32_t plan, const std::string& from, const std::string& to) {
  return "rebalance " + site + " plan " + std::to_string(plan) + ": " + from + " -> " + to;
}

} // namespace storemesh::services::rebalancer
