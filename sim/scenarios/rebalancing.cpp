#include "sim/scenarios/rebalancing_scenario.hpp"

#include "services/gateway/rebalancer_codec.hpp"
#include "services/host/host_codec.hpp"
#include "services/migration/copy_job_codec.hpp"
#include "sim/scenarios/scenarios.hpp"

#include <algorithm>
#include <cmath>

namespace storemesh::sim {

namespace job = services::copy_job;
namespace host = services::host;
namespace rb = services::rebalancer;
using services::gateway::settings;
using services::issue;

namespace {

constexpr std::uint64_t chunk = job::min_chunk_size;
constexpr std::uint64_t mib = 1u << 20;
constexpr std::uint64_t resend_steps = 40;
/// Every host, job and datastore of this scenario starts so (the mixed run
/// shares the log with other scenarios; the sites are the fleet's own).
constexpr std::string_view ids = "rb-";
const std::string source_ds = std::string(ids) + "src";
const std::string destination_ds = std::string(ids) + "dst";
/// Scores are sums of doubles; a plan's predictions add and subtract weights.
constexpr double epsilon = 1e-6;
/// Past this many, a gateway's oldest reports are forgotten: older ones are
/// stale for any evaluation that could still come.
constexpr std::size_t reports_kept = 64;

std::string prefix(const std::string& site) { return "rebalancer " + site + ": "; }

double spread(const std::map<std::string, double>& scores) {
  if (scores.empty())
    return 0;
  auto [lo, hi] = std::minmax_element(scores.begin(), scores.end(),
                                      [](const auto& a, const auto& b) { return a.second < b.second; });
  return hi->second <= 0 ? 0 : (hi->second - lo->second) / hi->second;
}

bool near(double a, double b) { return std::fabs(a - b) <= epsilon * std::max(1.0, std::fabs(b)); }

} // namespace

settings rebalancing_scenario::settings_for_step(std::int64_t step_ns) {
  settings s;
  s.rate_capacity = 16 * mib;
  s.queue_capacity = 8;
  s.interval_ns = 15 * step_ns;
  s.cooldown_workload_ns = 40 * step_ns;
  s.cooldown_gateway_ns = 10 * step_ns;
  s.min_remaining_ns = 0;  // copies of a few KiB always end "soon"
  s.move_timeout_ns = 200 * step_ns;
  s.report_interval_ns = std::max<std::int64_t>(services::gateway::seconds_ns / 10, 4 * step_ns);
  s.stale_after_ns = std::max<std::int64_t>(2 * s.report_interval_ns, 30 * step_ns);
  return s;
}

double rebalancing_scenario::score(const host::load_report& r, const settings& s) {
  const double weights = s.weight_rate + s.weight_queue + s.weight_cpu;
  return 100 *
         (s.weight_rate * static_cast<double>(r.bytes_per_second) / static_cast<double>(s.rate_capacity) +
          s.weight_queue * static_cast<double>(r.queue_depth) / static_cast<double>(s.queue_capacity) +
          s.weight_cpu * r.cpu) /
         weights;
}

void rebalancing_scenario::setup(step_context& ctx, std::vector<services::issued_command>& out) {
  const auto n = ctx.random.between(3, 5);
  for (std::int64_t i = 1; i <= n; ++i)
    gateways_.push_back({std::string(ids) + "g" + std::to_string(i), "primary", 0});
  gateways_.push_back({std::string(ids) + "r1", "recovery", 0});
  std::vector<std::string> hosts;
  for (const auto& g : gateways_) {
    hosts.push_back(g.id);
    out.push_back(issue<host::entity>(
        g.id, host::register_host{{{source_ds, "/mnt/src"}, {destination_ds, "/mnt/dst"}},
                                  g.site == "primary" ? host::site::primary : host::site::recovery}));
  }
  const auto jobs = ctx.random.between(4, 8);
  for (std::int64_t i = 1; i <= jobs; ++i) {
    planned_job j;
    j.id = std::string(ids) + "w" + std::to_string(i);
    // Piled onto g1 mostly: the site starts out of balance.
    j.host = ctx.random.chance(650) ? gateways_.front().id : ctx.random.pick(hosts);
    j.rate = static_cast<std::uint64_t>(ctx.random.between(1, 5)) * mib;
    bytes content(static_cast<std::size_t>(ctx.random.between(4 * chunk, 8 * chunk)));
    fill(content, ctx.random);
    disk_.put(source_ds + "/" + j.id, std::move(content), 1'000'000'000 + i);
    jobs_.push_back(std::move(j));
  }
  sim_copy_agent::options o;
  o.copy_per_mille = 30;  // long copies: they must still run when the moves come
  agents_.emplace(hosts, disk_, o);
  first_ns_ = ctx.now_ns;
}

void rebalancing_scenario::step(step_context& ctx, std::vector<services::issued_command>& out) {
  if (!configured_ && ctx.step >= 2) {
    // Once the operator knows how fast the clock goes: the site's timings
    // in steps, whatever a step lasts.
    configured_ = true;
    const auto step_ns = std::max<std::int64_t>(1'000'000, (ctx.now_ns - first_ns_) / static_cast<std::int64_t>(ctx.step));
    out.push_back(issue<rb::entity>("primary", rb::configure{"primary", settings_for_step(step_ns)}));
  }
  agents_->step(ctx, out);
  report_loads(ctx, out);
  operate(ctx, out);
}

void rebalancing_scenario::report_loads(step_context& ctx, std::vector<services::issued_command>& out) {
  if (ctx.random.chance(overload_ ? 60 : 8))
    overload_ = !overload_;  // a burst: every gateway past the threshold for a while
  for (auto& g : gateways_) {
    if (!ctx.random.chance(20))
      continue;
    host::load_report r;
    r.at_ns = std::max({ctx.now_ns, g.last_at_ns + 1, std::int64_t{1}});
    r.interval_ns = 1'000'000'000;
    g.last_at_ns = r.at_ns;
    for (const auto& id : agents_->held(g.id)) {
      auto j = std::find_if(jobs_.begin(), jobs_.end(), [&](const planned_job& p) { return p.id == id; });
      const auto rate = j == jobs_.end() ? mib : j->rate;
      // Measured, so a few percent off from one report to the next.
      const auto measured = rate - rate / 32 + ctx.random.below(rate / 16 + 1);
      r.workloads.push_back({id, measured});
      r.bytes_per_second += measured;
    }
    r.queue_depth = static_cast<std::uint32_t>(r.workloads.size());
    r.cpu = std::min(1.0, static_cast<double>(r.bytes_per_second) / static_cast<double>(24 * mib));
    if (overload_) {
      r.bytes_per_second += 40 * mib;
      r.queue_depth += 16;
      r.cpu = 1;
    }
    out.push_back(issue<host::entity>(g.id, host::report_load{std::move(r)}));
  }
}

void rebalancing_scenario::operate(step_context& ctx, std::vector<services::issued_command>& out) {
  for (auto& j : jobs_) {
    const auto* s = agents_->job(j.id);
    if (s != nullptr && s->status != job::job_status::none)
      continue;
    if (j.sent && ctx.step < j.sent_step + (resend_steps << std::min<std::uint64_t>(j.resends, 4)))
      continue;
    j.resends += j.sent ? 1 : 0;
    if (j.sent)
      j.host.clear();  // refused or lost: the policy picks this time
    j.sent = true;
    j.sent_step = ctx.step;
    out.push_back(issue<job::entity>(j.id, job::submit{{source_ds, j.id}, {destination_ds, "copy/" + j.id}, j.host, chunk, 0}));
  }
  if (ctx.random.chance(10))
    out.push_back(issue<rb::entity>("primary", rb::evaluate{"primary", rb::trigger::on_demand,
                                                            std::max<std::int64_t>(1, ctx.now_ns)}));
  if (ctx.random.chance(5)) {
    const auto& g = ctx.random.pick(gateways_);
    const auto to = ctx.random.chance(600) ? host::host_state::up : host::host_state::draining;
    out.push_back(issue<host::entity>(g.id, host::set_state{to, "operator"}));
  }
  if (ctx.random.chance(8)) {
    // Commands the deciders must refuse.
    switch (ctx.random.below(4)) {
      case 0:
        out.push_back(issue<rb::entity>("primary", rb::evaluate{"recovery", rb::trigger::on_demand, ctx.now_ns + 1}));
        break;
      case 1:
        out.push_back(issue<rb::entity>("primary", rb::evaluate{"primary", rb::trigger::on_demand, 0}));
        break;
      case 2:
        out.push_back(issue<rb::entity>("primary", rb::observe_ended{"primary", std::string(ids) + "w99", true, ctx.now_ns}));
        break;
      default:  // a load report from a plain id that is no gateway
        out.push_back(issue<host::entity>(std::string(ids) + "nobody", host::report_load{host::load_report{1, 1, 0, 0, 0, {}}}));
        break;
    }
  }
}

const settings& rebalancing_scenario::settings_of(const std::string& site) const {
  static const settings defaults{};
  auto it = seen_settings_.find(site);
  return it == seen_settings_.end() ? defaults : it->second;
}

std::optional<std::string> rebalancing_scenario::check(const log_view& log) {
  const auto& hosts = log.events_topic(host::entity::kind);
  const auto& jobs = log.events_topic(job::entity::kind);
  const auto& rebalancers = log.events_topic(rb::entity::kind);
  for (; checked_ < log.size(); ++checked_) {
    const auto& r = log.at(checked_);
    if (!r.env)
      continue;
    const std::string id(r.env->entity_id());
    const auto kind = r.env->entity_kind();
    if (r.topic == hosts && kind == host::entity::kind) {
      auto e = host::entity::read_event(r.env->reader());
      if (!e)
        return "host " + id + ": an event that does not decode";
      if (auto v = check_host(id, e.value()))
        return v;
    } else if (r.topic == jobs && kind == job::entity::kind) {
      auto e = job::entity::read_event(r.env->reader());
      if (!e)
        return "job " + id + ": an event that does not decode";
      if (auto v = check_job(id, e.value()))
        return v;
    } else if (r.topic == rebalancers && kind == rb::entity::kind) {
      auto e = rb::entity::read_event(r.env->reader());
      if (!e)
        return prefix(id) + "an event that does not decode";
      if (auto v = check_rebalancer(id, e.value()))
        return v;
    }
  }
  return std::nullopt;
}

std::optional<std::string> rebalancing_scenario::check_host(const std::string& id, const host::event& e) {
  auto& g = seen_gateways_[id];
  if (const auto* x = std::get_if<host::registered>(&e))
    g.site = x->site == host::site::none ? std::string() : std::string(host::to_string(x->site));
  else if (const auto* x = std::get_if<host::state_changed>(&e))
    g.status = x->to;
  else if (const auto* x = std::get_if<host::load_reported>(&e)) {
    if (g.site.empty())
      return "host " + id + ": a load report recorded for a host that is no gateway";
    g.reports.push_back(x->report);
    if (g.reports.size() > reports_kept)
      g.reports.erase(g.reports.begin());
  }
  return std::nullopt;
}

std::optional<std::string> rebalancing_scenario::check_job(const std::string& id, const job::event& e) {
  auto& j = seen_jobs_[id];
  if (const auto* x = std::get_if<job::assigned>(&e)) {
    if (j.epoch > 0 && !j.between)
      return "job " + id + ": assigned to " + x->host + " while " + j.host + " still holds it";
    j.host = x->host;
    j.holders.insert(x->host);
    j.epoch = x->epoch;
    j.between = false;
  } else if (std::holds_alternative<job::portion_completed>(e)) {
    j.between = true;
  } else if (std::holds_alternative<job::completed>(e) || std::holds_alternative<job::failed>(e)) {
    j.ended = true;
  }
  return std::nullopt;
}

std::optional<std::string> rebalancing_scenario::check_rebalancer(const std::string& site, const rb::event& e) {
  const auto& cfg = settings_of(site);
  return std::visit(
      services::overloaded{
          [&](const rb::configured& x) -> std::optional<std::string> {
            seen_settings_[site] = x.config;
            return std::nullopt;
          },
          [&](const rb::evaluated& x) -> std::optional<std::string> {
            evaluation ev{x.site, x.at_ns, {}};
            for (const auto& g : x.gateways) {
              auto it = seen_gateways_.find(g.gateway);
              if (it == seen_gateways_.end() || it->second.site != x.site)
                return prefix(site) + "scored " + g.gateway + ", not a gateway of site " + x.site;
              const auto& reports = it->second.reports;
              const bool from_a_report = std::any_of(reports.begin(), reports.end(), [&](const host::load_report& r) {
                return x.at_ns - r.at_ns <= cfg.stale_after_ns && near(score(r, cfg), g.score);
              });
              if (!from_a_report)
                return prefix(site) + "scored " + g.gateway + " " + std::to_string(g.score) +
                       ", the score of none of its fresh load reports";
              if (g.overloaded != (g.score >= cfg.overload_threshold))
                return prefix(site) + g.gateway + " marked " + (g.overloaded ? "" : "not ") + "overloaded at " +
                       std::to_string(g.score);
              ev.scores[g.gateway] = g.score;
            }
            last_evaluation_[site] = std::move(ev);
            return std::nullopt;
          },
          [&](const rb::skipped_all_overloaded&) -> std::optional<std::string> {
            for (const auto& [g, s] : last_evaluation_[site].scores)
              if (s < cfg.overload_threshold)
                return prefix(site) + "skipped as all overloaded, but " + g + " scores " + std::to_string(s);
            return std::nullopt;
          },
          [&](const rb::below_threshold&) -> std::optional<std::string> {
            const auto sp = spread(last_evaluation_[site].scores);
            if (sp > cfg.spread_threshold + epsilon)
              return prefix(site) + "below threshold, but the reported loads spread " + std::to_string(sp);
            return std::nullopt;
          },
          [&](const rb::planned& x) { return check_plan(site, x); },
          [&](const rb::moved& x) -> std::optional<std::string> {
            const auto& j = seen_jobs_[x.job];
            if (j.holders.count(x.to) == 0)
              return prefix(site) + x.job + " moved to " + x.to + ", which it was never handed to";
            return std::nullopt;
          },
          [&](const auto&) -> std::optional<std::string> { return std::nullopt; },
      },
      e);
}

std::optional<std::string> rebalancing_scenario::check_plan(const std::string& site, const rb::planned& p) {
  // The planned event follows its evaluation, in the same decision.
  auto ev = last_evaluation_.find(site);
  if (ev == last_evaluation_.end())
    return prefix(site) + "plan " + std::to_string(p.plan) + " without an evaluation";
  const auto& cfg = settings_of(site);
  auto pred = ev->second.scores;
  if (std::all_of(pred.begin(), pred.end(), [&](const auto& g) { return g.second >= cfg.overload_threshold; }))
    return prefix(site) + "plan " + std::to_string(p.plan) + " moves load while every gateway is overloaded";
  if (const auto sp = spread(pred); sp <= cfg.spread_threshold + epsilon)
    return prefix(site) + "plan " + std::to_string(p.plan) + " moves load at a spread of " + std::to_string(sp) +
           ", within the threshold " + std::to_string(cfg.spread_threshold);
  std::set<std::string> moved;
  for (const auto& m : p.moves) {
    const auto what = prefix(site) + "plan " + std::to_string(p.plan) + " moves " + m.workload + " " + m.from + " -> " +
                      m.to + ": ";
    if (m.from == m.to || pred.count(m.from) == 0 || pred.count(m.to) == 0)
      return what + "not between two gateways it scored";
    if (!moved.insert(m.workload).second)
      return what + "the workload moves twice in one plan";
    const auto& j = seen_jobs_[m.workload];
    if (j.holders.count(m.from) == 0)
      return what + "the workload never ran there (" + (j.host.empty() ? "nowhere" : "on " + j.host) + ")";
    if (pred[m.from] + epsilon < pred[m.to])
      return what + "from the idler (" + std::to_string(pred[m.from]) + ") to the busier (" +
             std::to_string(pred[m.to]) + ")";
    pred[m.from] -= m.weight;
    pred[m.to] += m.weight;
  }
  return std::nullopt;
}

std::unique_ptr<scenario> make_rebalancing_scenario() { return std::make_unique<rebalancing_scenario>(); }

} // namespace storemesh::sim
