// storemesh gateway add|list

#include "events/envelope/envelope_json.hpp"
#include "ops/cli_context.hpp"
#include "ops/datastore_arg.hpp"
#include "ops/fleet_reader.hpp"
#include "ops/inject.hpp"
#include "ops/job_view.hpp"
#include "services/gateway/load_score.hpp"
#include "services/gateway/site_loads.hpp"
#include "services/host/host_codec.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <chrono>

namespace storemesh::ops {
namespace {

namespace host = services::host;
namespace gw = services::gateway;
using events::envelope::json_string;

/// One gateway as `gateway list` shows it: scored as the rebalancer would
/// score it now, or why it is not.
struct gateway_row {
  std::string id, site, state;
  const gw::plan_gateway* scored = nullptr;
  std::string not_scored;
  const host::load_report* load = nullptr;
  std::vector<std::string> workloads;
};

struct list_options {
  data_options data;
  std::string site;
  bool json = false;
};

std::string workload_json(const fleet_snapshot& f, const gateway_row& g, const gw::settings& cfg,
                          const gw::recent_moves& recent, std::int64_t now) {
  std::vector<std::string> out;
  for (const auto& job : g.workloads) {
    double weight = 0;
    if (g.scored != nullptr)
      for (const auto& w : g.scored->workloads)
        if (w.id == job)
          weight = w.weight;
    double rate = 0;
    if (g.load != nullptr)
      for (const auto& w : g.load->workloads)
        if (w.job == job)
          rate = static_cast<double>(w.bytes_per_second);
    const auto why = gw::why_unmovable(f.view, job, rate, cfg, recent, now);
    out.push_back(fmt::format("{{\"job\":{},\"bytes_per_second\":{:.0f},\"weight\":{},\"movable\":{},\"why\":{}}}",
                              json_string(job), rate, weight, why.empty(), json_string(why)));
  }
  return fmt::format("[{}]", fmt::join(out, ","));
}

void list_gateways(const list_options& o) {
  if (!o.site.empty() && o.site != "primary" && o.site != "recovery")
    throw cli_error("--site wants primary or recovery, got '" + o.site + "'", 2);
  auto log = open_log(o.data, true);
  const auto f = read_fleet(*log, o.data.names);
  const auto now = now_ns();
  std::map<std::string, gw::site_view> sites;
  std::map<std::string, services::rebalancer::state> states;
  for (const auto* site : {"primary", "recovery"}) {
    states[site] = rebalancer_of(f, site);
    sites[site] = gw::assess_site(f.view, site, states[site].config, states[site].recent(), now);
  }
  std::vector<gateway_row> rows;
  for (const auto& [id, h] : f.view.hosts) {
    if (h.site == host::site::none)
      continue;
    gateway_row r;
    r.id = id;
    r.site = host::to_string(h.site);
    r.state = host::to_string(h.status);
    if (!o.site.empty() && r.site != o.site)
      continue;
    for (const auto& g : sites[r.site].input.gateways)
      if (g.id == id)
        r.scored = &g;
    for (const auto& x : sites[r.site].excluded)
      if (x.id == id)
        r.not_scored = x.why;
    if (h.load)
      r.load = &*h.load;
    r.workloads.assign(h.jobs.begin(), h.jobs.end());
    rows.push_back(std::move(r));
  }
  if (o.json) {
    for (const auto& r : rows) {
      const auto& cfg = states[r.site].config;
      const auto recent = states[r.site].recent();
      std::vector<std::string> ds;
      for (const auto& [name, path] : f.view.hosts.at(r.id).datastores)
        ds.push_back(fmt::format("{{\"name\":{},\"path\":{}}}", json_string(name), json_string(path)));
      fmt::print("{{\"id\":{},\"site\":\"{}\",\"state\":\"{}\",\"scored\":{},\"not_scored\":{},\"score\":{},"
                 "\"overloaded\":{},\"cooling\":{},\"bytes_per_second\":{},\"queue_depth\":{},\"cpu\":{},"
                 "\"report_age_seconds\":{},\"workloads\":{},\"datastores\":[{}]}}\n",
                 json_string(r.id), r.site, r.state, r.scored != nullptr, json_string(r.not_scored),
                 r.scored ? fmt::format("{}", r.scored->score) : "null", r.scored && r.scored->overloaded,
                 r.scored && r.scored->cooling, r.load ? std::to_string(r.load->bytes_per_second) : "null",
                 r.load ? std::to_string(r.load->queue_depth) : "null",
                 r.load ? fmt::format("{}", r.load->cpu) : "null",
                 r.load ? fmt::format("{:.1f}", static_cast<double>(now - r.load->at_ns) / 1e9) : "null",
                 workload_json(f, r, cfg, recent, now), fmt::join(ds, ","));
    }
    return;
  }
  fmt::print("{:<20} {:<9} {:<9} {:>7} {:<10} {:>12} {:>5} {:>5} {:>9} {:>8}\n", "GATEWAY", "SITE", "STATE", "SCORE",
             "LOAD", "RATE", "QUEUE", "CPU", "WORKLOADS", "REPORTED");
  for (const auto& r : rows) {
    std::string load = r.scored == nullptr ? "-" : r.scored->overloaded ? "OVERLOAD" : r.scored->cooling ? "cooling" : "ok";
    fmt::print("{:<20} {:<9} {:<9} {:>7} {:<10} {:>12} {:>5} {:>5} {:>9} {:>8}{}\n", r.id, r.site, r.state,
               r.scored ? fmt::format("{:.1f}", r.scored->score) : "-", load,
               r.load ? human_bytes(static_cast<double>(r.load->bytes_per_second)) + "/s" : "-",
               r.load ? std::to_string(r.load->queue_depth) : "-",
               r.load ? fmt::format("{:.2f}", r.load->cpu) : "-", r.workloads.size(),
               r.load ? fmt::format("{:.0f}s ago", static_cast<double>(now - r.load->at_ns) / 1e9) : "never",
               r.not_scored.empty() ? "" : "  (" + r.not_scored + ")");
  }
  if (rows.empty())
    fmt::print("(no gateway{}: storemesh gateway add ID --site primary|recovery --datastore NAME=PATH)\n",
               o.site.empty() ? "" : " at site " + o.site);
  for (const auto& [site, s] : states)
    if (s.alerting && (o.site.empty() || o.site == site))
      fmt::print("ALERT {}\n", s.alert);
}

} // namespace

void register_gateway(CLI::App& app) {
  auto* gateway = app.add_subcommand("gateway", "replication gateways: hosts with a site, scored by their load");
  gateway->require_subcommand(1);
  {
    auto o = std::make_shared<inject_options>();
    auto id = std::make_shared<std::string>();
    auto site = std::make_shared<std::string>();
    auto specs = std::make_shared<std::vector<std::string>>();
    auto* cmd = gateway->add_subcommand("add", "register a replication gateway: a host with a site");
    cmd->add_option("ID", *id, "gateway (host) id")->required();
    cmd->add_option("--site", *site, "primary or recovery")->required();
    cmd->add_option("--datastore", *specs, "NAME=PATH, repeatable")->required();
    add_inject_options(*cmd, *o);
    cmd->callback([o, id, site, specs] {
      host::register_host c;
      if (!host::parse_site(*site, c.site))
        throw cli_error("--site wants primary or recovery, got '" + *site + "'", 2);
      for (const auto& s : *specs)
        c.datastores.push_back(parse_datastore(s));
      inject<host::entity>(*o, *id, c);
    });
  }
  {
    auto o = std::make_shared<list_options>();
    auto* cmd = gateway->add_subcommand(
        "list", "gateways with their load score, workloads, and whether they are overloaded (rebuilt from the log)");
    cmd->add_option("--site", o->site, "only this site (primary or recovery)");
    cmd->add_flag("--json", o->json, "one JSON object per line");
    add_data_options(*cmd, o->data);
    cmd->callback([o] { list_gateways(*o); });
  }
}

} // namespace storemesh::ops
