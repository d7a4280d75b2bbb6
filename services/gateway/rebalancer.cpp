#include "services/gateway/rebalancer.hpp"

#include "services/gateway/rebalance_plan.hpp"

#include <cstdio>

namespace storemesh::services::rebalancer {

bool gateway_score::operator==(const gateway_score& o) const {
  return gateway == o.gateway && score == o.score && overloaded == o.overloaded && cooling == o.cooling &&
         workloads == o.workloads;
}
bool evaluated::operator==(const evaluated& o) const {
  return site == o.site && why == o.why && at_ns == o.at_ns && spread == o.spread && gateways == o.gateways &&
         excluded == o.excluded;
}
bool planned::operator==(const planned& o) const {
  return plan == o.plan && moves == o.moves && spread_before == o.spread_before && spread_after == o.spread_after &&
         note == o.note;
}
bool moved::operator==(const moved& o) const {
  return plan == o.plan && job == o.job && from == o.from && to == o.to && at_ns == o.at_ns;
}
bool move_dropped::operator==(const move_dropped& o) const {
  return plan == o.plan && job == o.job && reason == o.reason && at_ns == o.at_ns;
}
bool state::operator==(const state& o) const {
  return site == o.site && configured == o.configured && config == o.config && evaluations == o.evaluations &&
         last_evaluated_ns == o.last_evaluated_ns && plans == o.plans && pending == o.pending &&
         workloads_moved == o.workloads_moved && gateways_moved == o.gateways_moved && alerting == o.alerting &&
         alert == o.alert && last_trigger == o.last_trigger && last_outcome == o.last_outcome &&
         last_reason == o.last_reason && last_spread_before == o.last_spread_before &&
         last_spread_after == o.last_spread_after && moves_done == o.moves_done && moves_dropped == o.moves_dropped;
}

gateway::recent_moves state::recent() const {
  gateway::recent_moves r;
  r.workloads = workloads_moved;
  r.gateways = gateways_moved;
  for (const auto& [job, m] : pending) {
    r.workloads_in_flight.insert(job);
    r.gateways_in_flight.insert(m.from);
    r.gateways_in_flight.insert(m.to);
  }
  return r;
}

namespace {

/// Forgets moves whose cool-down is over at AT_NS: the memory stays as small
/// as the moves that still matter.
template <class Map>
void forget_before(Map& when, std::int64_t at_ns, std::int64_t cooldown_ns) {
  for (auto it = when.begin(); it != when.end();)
    it = at_ns - it->second >= cooldown_ns ? when.erase(it) : std::next(it);
}

} // namespace

state evolve(state s, const event& e) {
  std::visit(overloaded{
                 [&](const configured& x) {
                   s.site = x.site;
                   s.configured = true;
                   s.config = x.config;
                 },
                 [&](const evaluated& x) {
                   s.site = x.site;
                   s.evaluations += 1;
                   s.last_evaluated_ns = x.at_ns;
                   s.last_trigger = x.why;
                   s.last_spread_before = x.spread;
                   s.last_spread_after = x.spread;
                   s.last_reason.clear();
                   forget_before(s.workloads_moved, x.at_ns, s.config.cooldown_workload_ns);
                   forget_before(s.gateways_moved, x.at_ns, s.config.cooldown_gateway_ns);
                 },
                 [&](const skipped_all_overloaded& x) {
                   s.last_outcome = "skipped_all_overloaded";
                   s.last_reason = x.reason;
                 },
                 [&](const alert_raised& x) {
                   s.alerting = true;
                   s.alert = x.message;
                 },
                 [&](const alert_cleared&) {
                   s.alerting = false;
                   s.alert.clear();
                 },
                 [&](const below_threshold&) { s.last_outcome = "below_threshold"; },
                 [&](const unbalanceable& x) {
                   s.last_outcome = "unbalanceable";
                   s.last_reason = x.reason;
                 },
                 [&](const planned& x) {
                   s.plans = x.plan;
                   for (const auto& m : x.moves)
                     s.pending[m.workload] = pending_move{x.plan, m.from, m.to, s.last_evaluated_ns};
                   s.last_outcome = "planned";
                   s.last_reason = x.note;
                   s.last_spread_after = x.spread_after;
                 },
                 [&](const moved& x) {
                   s.pending.erase(x.job);
                   s.workloads_moved[x.job] = x.at_ns;
                   s.gateways_moved[x.from] = x.at_ns;
                   s.gateways_moved[x.to] = x.at_ns;
                   s.moves_done += 1;
                 },
                 [&](const move_dropped& x) {
                   s.pending.erase(x.job);
                   // Not planned again at once: whatever stopped it may still hold.
                   s.workloads_moved[x.job] = x.at_ns;
                   s.moves_dropped += 1;
                 },
             },
             e);
  return s;
}

namespace {

using D = decision<event>;

std::string seconds(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ns) / 1e9);
  return buf;
}

std::optional<rejection> check_site(const state& s, const std::string& site) {
  if (!valid_site(site))
    return rejection{"invalid", "site '" + site + "' is neither primary nor recovery"};
  if (!s.site.empty() && s.site != site)
    return rejection{"wrong_site", "this rebalancer serves site '" + s.site + "', not '" + site + "'"};
  return std::nullopt;
}

D decide_configure(const state& s, const configure& c) {
  if (auto why = check_site(s, c.site))
    return D::reject(why->code, why->reason);
  if (auto why = gateway::check_settings(c.config); !why.empty())
    return D::reject("invalid", why);
  if (s.configured && s.config == c.config)
    return D::reject("no_change", "the rebalancer of site '" + c.site + "' already has these settings");
  return D::accept(configured{c.site, c.config});
}

/// Whether the migration of a planned move got under way: the job is
/// migrating, or no longer runs on the move's source.
bool migration_started(const fleet::view& fleet, const std::string& job, const pending_move& m) {
  auto d = fleet.job_details.find(job);
  if (d == fleet.job_details.end() || d->second.migrating)
    return true;  // ended (its reaction reports it) or under way
  auto h = fleet.hosts.find(m.from);
  return h == fleet.hosts.end() || h->second.jobs.count(job) == 0;
}

/// The decision proper, once the evaluation is known to be due: what the
/// site looks like at AT and what to do about it.
std::vector<event> assess(const state& s, const evaluate& c, const fleet::view& fleet) {
  std::vector<event> out;
  state now = s;
  const auto& cfg = s.config;
  for (const auto& [job, m] : s.pending) {
    std::string why;
    if (c.at_ns - m.planned_ns >= cfg.move_timeout_ns)
      why = "not handed over within " + seconds(cfg.move_timeout_ns);
    else if (c.at_ns - m.planned_ns >= cfg.stale_after_ns && !migration_started(fleet, job, m))
      // Its `migrate` was refused (the target went away, the job ended...):
      // waiting for the timeout would keep both gateways out of every plan.
      why = "its migration did not start within " + seconds(cfg.stale_after_ns) + " (see storemesh.rejected)";
    if (why.empty())
      continue;
    out.push_back(move_dropped{m.plan, job, why, c.at_ns});
    now = evolve(std::move(now), out.back());
  }
  const auto site = gateway::assess_site(fleet, c.site, cfg, now.recent(), c.at_ns);
  const auto p = gateway::make_plan(site.input);
  evaluated ev{c.site, c.why, c.at_ns, p.spread_before, {}, {}};
  for (const auto& g : site.input.gateways)
    ev.gateways.push_back({g.id, g.score, g.overloaded, g.cooling, static_cast<std::uint32_t>(g.workloads.size())});
  for (const auto& x : site.excluded)
    ev.excluded.push_back(x.id + ": " + x.why);
  out.push_back(std::move(ev));
  switch (p.outcome) {
    case gateway::plan_outcome::all_overloaded:
      out.push_back(skipped_all_overloaded{p.reason});
      if (!s.alerting)
        out.push_back(alert_raised{"all_overloaded", "site " + c.site + ": " + p.reason + "; add capacity"});
      return out;
    case gateway::plan_outcome::no_gateways:
    case gateway::plan_outcome::blocked:
      out.push_back(unbalanceable{p.spread_before, cfg.spread_threshold, p.reason});
      break;
    case gateway::plan_outcome::balanced:
      out.push_back(below_threshold{p.spread_before, cfg.spread_threshold});
      break;
    case gateway::plan_outcome::planned:
      out.push_back(planned{s.plans + 1, p.moves, p.spread_before, p.spread_after, p.reason});
      break;
  }
  if (s.alerting)
    out.push_back(alert_cleared{"all_overloaded", "site " + c.site + ": not every gateway is overloaded any more"});
  return out;
}

D decide_evaluate(const state& s, const evaluate& c, const fleet::view& fleet) {
  if (auto why = check_site(s, c.site))
    return D::reject(why->code, why->reason);
  if (c.at_ns <= 0)
    return D::reject("invalid", "an evaluation needs its time");
  // Time moves forward in one entity: an evaluation at or before the last one
  // is a repeat (or a clock gone back), never a new decision.
  if (s.evaluations > 0 && c.at_ns <= s.last_evaluated_ns)
    return D::reject("stale", "the site was last evaluated at " + std::to_string(s.last_evaluated_ns) +
                                  ", not before " + std::to_string(c.at_ns));
  if (c.why == trigger::scheduled) {
    if (s.config.interval_ns == 0)
      return D::reject("not_scheduled", "scheduled evaluation is off (interval 0); `storemesh rebalance` evaluates");
    if (s.evaluations > 0 && c.at_ns < s.last_evaluated_ns + s.config.interval_ns)
      return D::reject("not_due", "the next scheduled evaluation is due " +
                                      seconds(s.last_evaluated_ns + s.config.interval_ns - c.at_ns) + " later");
  }
  return D::accept(assess(s, c, fleet));
}

D decide_moved(const state& s, const observe_moved& c) {
  if (auto why = check_site(s, c.site))
    return D::reject(why->code, why->reason);
  auto it = s.pending.find(c.job);
  if (it == s.pending.end())
    return D::reject("not_pending", "no planned move of job '" + c.job + "' is under way");
  return D::accept(moved{it->second.plan, c.job, it->second.from, c.to, c.at_ns});
}

D decide_ended(const state& s, const observe_ended& c) {
  if (auto why = check_site(s, c.site))
    return D::reject(why->code, why->reason);
  auto it = s.pending.find(c.job);
  if (it == s.pending.end())
    return D::reject("not_pending", "no planned move of job '" + c.job + "' is under way");
  return D::accept(move_dropped{it->second.plan, c.job,
                                c.completed ? "the job completed before it moved" : "the job failed before it moved",
                                c.at_ns});
}

} // namespace

decision<event> decide(const state& s, const command& c, const fleet::view& fleet) {
  return std::visit(overloaded{
                        [&](const configure& x) { return decide_configure(s, x); },
                        [&](const evaluate& x) { return decide_evaluate(s, x, fleet); },
                        [&](const observe_moved& x) { return decide_moved(s, x); },
                        [&](const observe_ended& x) { return decide_ended(s, x); },
                    },
                    c);
}

bool valid_site(const std::string& site) { return site == "primary" || site == "recovery"; }

std::string_view to_string(trigger t) { return t == trigger::scheduled ? "scheduled" : "on_demand"; }

} // namespace storemesh::services::rebalancer
