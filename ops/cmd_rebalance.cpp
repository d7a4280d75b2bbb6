// storemesh rebalance [--dry-run] | rebalance configure | rebalance status

#include "events/envelope/envelope_json.hpp"
#include "ops/cli_context.hpp"
#include "ops/config_file.hpp"
#include "ops/fleet_reader.hpp"
#include "ops/inject.hpp"
#include "ops/rebalance_settings.hpp"
#include "ops/rebalance_view.hpp"
#include "services/gateway/rebalance_plan.hpp"
#include "services/gateway/rebalancer_codec.hpp"
#include "services/gateway/site_loads.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <chrono>
#include <set>
#include <thread>

namespace storemesh::ops {
namespace {

namespace rb = services::rebalancer;
namespace gw = services::gateway;
using events::envelope::json_string;

/// --site, or every site that has a gateway or a rebalancer.
std::vector<std::string> sites_of(const fleet_snapshot& f, const std::string& asked) {
  if (!asked.empty()) {
    if (!rb::valid_site(asked))
      throw cli_error("--site wants primary or recovery, got '" + asked + "'", 2);
    return {asked};
  }
  std::set<std::string> found;
  for (const auto& [id, h] : f.view.hosts)
    if (h.site != services::host::site::none)
      found.insert(std::string(services::host::to_string(h.site)));
  for (const auto& [site, s] : f.rebalancers)
    found.insert(site);
  if (found.empty())
    throw cli_error("no gateway is registered (storemesh gateway add ID --site primary|recovery --datastore ...)");
  return {found.begin(), found.end()};
}

bool any_given(const setting_values& v) {
  for (const auto& [k, text] : v)
    if (!text.empty())
      return true;
  return false;
}

// -- storemesh rebalance -------------------------------------------------------------------

struct run_options {
  inject_options inject;
  std::string site;
  bool dry_run = false, json = false, wait = false;
  double wait_seconds = 300;
  setting_values what_if;
};

/// The decider itself, on the state and fleet the log holds now, recording
/// nothing: exactly what `storemesh rebalance` would decide at this moment.
void dry_run(const run_options& o) {
  auto log = open_log(o.inject.data, true);
  const auto f = read_fleet(*log, o.inject.data.names);
  for (const auto& site : sites_of(f, o.site)) {
    auto state = rebalancer_of(f, site);
    apply_settings(o.what_if, state.config, "flags");
    if (auto why = gw::check_settings(state.config); !why.empty())
      throw cli_error("settings: " + why, 2);
    const auto at = std::max(now_ns(), state.last_evaluated_ns + 1);
    const auto d = rb::decide(state, rb::evaluate{site, rb::trigger::on_demand, at}, f.view);
    if (!d.accepted())
      throw cli_error(fmt::format("site {}: the rebalancer would refuse ({}): {}", site, d.why().code, d.why().reason));
    auto summary = summarize(d.events, state.config.spread_threshold);
    // The same input the decider planned with (after any timed-out moves were dropped).
    auto after_drops = state;
    for (const auto& e : d.events)
      if (std::holds_alternative<rb::move_dropped>(e))
        after_drops = rb::evolve(std::move(after_drops), e);
    summary.lower_bound =
        gw::lower_bound_moves(gw::assess_site(f.view, site, state.config, after_drops.recent(), at).input);
    if (o.json)
      fmt::print("{}\n", summary_json(summary, true));
    else
      print_summary(summary, f.view, true);
  }
}

/// Follows plan PLAN of SITE until each of its moves is moved or dropped.
void wait_for_moves(const run_options& o, const std::string& site, std::uint32_t plan) {
  auto log = open_log(o.inject.data, true);
  std::size_t seen = 0;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<std::int64_t>(o.wait_seconds * 1000));
  for (;;) {
    const auto f = read_fleet(*log, o.inject.data.names);
    std::size_t index = 0;
    if (auto h = f.history.find(site); h != f.history.end())
      for (const auto& r : h->second) {
        const auto* moved = std::get_if<rb::moved>(&r.event);
        const auto* dropped = std::get_if<rb::move_dropped>(&r.event);
        if ((moved == nullptr || moved->plan != plan) && (dropped == nullptr || dropped->plan != plan))
          continue;
        if (index++ < seen)
          continue;
        ++seen;
        if (o.json)
          fmt::print("{{\"site\":{},\"plan\":{},\"job\":{},\"outcome\":\"{}\",\"to\":{},\"reason\":{}}}\n",
                     json_string(site), plan, json_string(moved ? moved->job : dropped->job),
                     moved ? "moved" : "dropped", json_string(moved ? moved->to : ""),
                     json_string(dropped ? dropped->reason : ""));
        else if (moved != nullptr)
          fmt::print("  moved {}: {} -> {}\n", moved->job, moved->from, moved->to);
        else
          fmt::print("  dropped {}: {}\n", dropped->job, dropped->reason);
      }
    const auto state = rebalancer_of(f, site);
    bool pending = false;
    for (const auto& [job, m] : state.pending)
      pending = pending || m.plan == plan;
    if (!pending)
      return;
    if (std::chrono::steady_clock::now() > deadline)
      throw cli_error(fmt::format("site {}: plan {} still has moves under way after {} s", site, plan, o.wait_seconds));
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

void run(const run_options& o) {
  if (o.dry_run)
    return dry_run(o);
  if (any_given(o.what_if))
    throw cli_error("setting flags go with --dry-run (what if); to change them: storemesh rebalance configure", 2);
  std::vector<std::string> sites;
  {
    auto log = open_log(o.inject.data, true);
    sites = sites_of(read_fleet(*log, o.inject.data.names), o.site);
  }
  for (const auto& site : sites) {
    const auto at = now_ns();
    inject<rb::entity>(o.inject, site, rb::evaluate{site, rb::trigger::on_demand, at}, true);
    if (o.inject.no_wait) {
      fmt::print("site {}: evaluation submitted\n", site);
      continue;
    }
    auto log = open_log(o.inject.data, true);
    const auto f = read_fleet(*log, o.inject.data.names);
    // Ours is the evaluation at AT; its command caused the events around it.
    std::vector<rb::event> events;
    if (auto h = f.history.find(site); h != f.history.end()) {
      std::string cause;
      for (const auto& r : h->second)
        if (const auto* e = std::get_if<rb::evaluated>(&r.event); e != nullptr && e->at_ns == at)
          cause = r.causation;
      for (const auto& r : h->second)
        if (!cause.empty() && r.causation == cause)
          events.push_back(r.event);
    }
    const auto summary = summarize(events, rebalancer_of(f, site).config.spread_threshold);
    if (o.json)
      fmt::print("{}\n", summary_json(summary, false));
    else
      print_summary(summary, f.view, false);
    if (o.wait && summary.outcome == "planned")
      wait_for_moves(o, site, summary.plan);
  }
}

// -- storemesh rebalance configure ---------------------------------------------------------------

struct configure_options {
  inject_options inject;
  std::string site;
  setting_values flags;
};

void configure(const configure_options& o) {
  auto log = open_log(o.inject.data, true);
  const auto f = read_fleet(*log, o.inject.data.names);
  const auto file = read_config_file(o.inject.data.config);
  std::vector<std::string> sites{"primary", "recovery"};
  if (!o.site.empty()) {
    if (!rb::valid_site(o.site))
      throw cli_error("--site wants primary or recovery, got '" + o.site + "'", 2);
    sites = {o.site};
  }
  for (const auto& site : sites) {
    const auto current = rebalancer_of(f, site);
    auto wanted = current.config;
    apply_settings(file.rebalance, wanted, "config " + o.inject.data.config + " [rebalance]");
    apply_settings(o.flags, wanted, "flags");
    if (auto why = gw::check_settings(wanted); !why.empty())
      throw cli_error("settings: " + why, 2);
    if (current.configured && wanted == current.config) {
      fmt::print("site {}: settings unchanged\n", site);
      continue;
    }
    inject<rb::entity>(o.inject, site, rb::configure{site, wanted}, true);
    fmt::print("site {}: {}\n", site, o.inject.no_wait ? "submitted" : "configured");
    for (const auto& [key, value] : setting_rows(wanted))
      fmt::print("  {:<26} {}\n", key, value);
  }
}

// -- storemesh rebalance status ------------------------------------------------------------------

struct status_options {
  data_options data;
  std::string site;
  bool json = false;
};

void status(const status_options& o) {
  auto log = open_log(o.data, true);
  const auto f = read_fleet(*log, o.data.names);
  for (const auto& site : sites_of(f, o.site)) {
    const auto s = rebalancer_of(f, site);
    std::vector<std::string> pending;
    for (const auto& [job, m] : s.pending)
      pending.push_back(o.json ? fmt::format("{{\"job\":{},\"plan\":{},\"from\":{},\"to\":{}}}", json_string(job),
                                             m.plan, json_string(m.from), json_string(m.to))
                               : fmt::format("{} {} -> {} (plan {})", job, m.from, m.to, m.plan));
    if (o.json) {
      fmt::print("{{\"site\":{},\"configured\":{},\"settings\":{},\"evaluations\":{},\"last_evaluated_ns\":{},"
                 "\"last_trigger\":\"{}\",\"last_outcome\":{},\"last_reason\":{},\"spread_before\":{},"
                 "\"spread_after\":{},\"plans\":{},\"pending\":[{}],\"moves_done\":{},\"moves_dropped\":{},"
                 "\"alert\":{}}}\n",
                 json_string(site), s.configured, settings_json(s.config), s.evaluations, s.last_evaluated_ns,
                 rb::to_string(s.last_trigger), json_string(s.last_outcome), json_string(s.last_reason),
                 s.last_spread_before, s.last_spread_after, s.plans, fmt::join(pending, ","), s.moves_done,
                 s.moves_dropped, s.alerting ? json_string(s.alert) : "null");
      continue;
    }
    fmt::print("site {}: {}, {} evaluation(s), {} plan(s), {} move(s) done, {} dropped\n", site,
               s.configured ? "configured" : "default settings", s.evaluations, s.plans, s.moves_done,
               s.moves_dropped);
    if (s.evaluations > 0)
      fmt::print("  last evaluation ({}, {:.0f} s ago): {}{}, spread {:.4g} -> {:.4g}\n", rb::to_string(s.last_trigger),
                 static_cast<double>(now_ns() - s.last_evaluated_ns) / 1e9, s.last_outcome,
                 s.last_reason.empty() ? "" : " (" + s.last_reason + ")", s.last_spread_before, s.last_spread_after);
    if (s.alerting)
      fmt::print("  ALERT: {}\n", s.alert);
    for (const auto& p : pending)
      fmt::print("  moving {}\n", p);
    for (const auto& [key, value] : setting_rows(s.config))
      fmt::print("  {:<26} {}\n", key, value);
  }
}

} // namespace

void register_rebalance(CLI::App& app) {
  auto o = std::make_shared<run_options>();
  auto* cmd = app.add_subcommand("rebalance",
                                 "evaluate the gateways' load and move workloads from the busiest to the least busy "
                                 "(every move a migration); --dry-run prints the plan only");
  cmd->require_subcommand(0, 1);
  cmd->add_option("--site", o->site, "primary or recovery (default: every site with gateways)");
  cmd->add_flag("--dry-run", o->dry_run, "print the plan (moves, scores before and after) and record nothing");
  cmd->add_flag("--json", o->json, "one JSON object per site");
  cmd->add_flag("--wait", o->wait, "follow the planned moves until each has moved (or was dropped)");
  cmd->add_option("--wait-timeout", o->wait_seconds, "seconds --wait waits for a plan's moves (default 300)");
  add_inject_options(*cmd, o->inject);
  add_setting_flags(*cmd, o->what_if);
  cmd->callback([o, cmd] {
    if (!cmd->get_subcommands().empty())
      return;  // configure or status ran
    run(*o);
  });
  {
    auto c = std::make_shared<configure_options>();
    auto* sub = cmd->add_subcommand(
        "configure", "set a site's rebalancer settings (score weights, thresholds, cool-downs, intervals)");
    sub->add_option("--site", c->site, "primary or recovery (default: both)");
    sub->add_option("--config", c->inject.data.config, "TOML file whose [rebalance] keys apply (flags override)");
    add_inject_options(*sub, c->inject);
    add_setting_flags(*sub, c->flags);
    sub->callback([c] { configure(*c); });
  }
  {
    auto s = std::make_shared<status_options>();
    auto* sub = cmd->add_subcommand("status", "each site's rebalancer: settings, last decision, moves under way, alert");
    sub->add_option("--site", s->site, "primary or recovery (default: every site with gateways)");
    sub->add_flag("--json", s->json, "one JSON object per site");
    add_data_options(*sub, s->data);
    sub->callback([s] { status(*s); });
  }
}

} // namespace storemesh::ops
