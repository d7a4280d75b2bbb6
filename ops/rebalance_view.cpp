#include "ops/rebalance_view.hpp"

#include "events/envelope/envelope_json.hpp"
#include "ops/job_view.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

namespace storemesh::ops {
namespace {

namespace rb = services::rebalancer;
using events::envelope::json_string;

std::string number(double x) { return fmt::format("{:.4g}", x); }
/// JSON keeps every digit (the shortest form that reads back the same).
std::string exact(double x) { return fmt::format("{}", x); }

} // namespace

decision_summary summarize(const std::vector<rb::event>& events, double threshold) {
  decision_summary d;
  d.threshold = threshold;
  for (const auto& e : events)
    std::visit(services::overloaded{
                   [&](const rb::configured&) {},
                   [&](const rb::evaluated& x) {
                     d.site = x.site;
                     d.why = x.why;
                     d.at_ns = x.at_ns;
                     d.gateways = x.gateways;
                     d.excluded = x.excluded;
                     d.spread_before = d.spread_after = x.spread;
                     for (const auto& g : x.gateways)
                       d.after[g.gateway] = g.score;
                   },
                   [&](const rb::skipped_all_overloaded& x) {
                     d.outcome = "skipped_all_overloaded";
                     d.reason = x.reason;
                   },
                   [&](const rb::alert_raised& x) { d.alerts.push_back("raised: " + x.message); },
                   [&](const rb::alert_cleared& x) { d.alerts.push_back("cleared: " + x.message); },
                   [&](const rb::below_threshold& x) {
                     d.outcome = "below_threshold";
                     d.threshold = x.threshold;
                   },
                   [&](const rb::unbalanceable& x) {
                     d.outcome = "unbalanceable";
                     d.reason = x.reason;
                     d.threshold = x.threshold;
                   },
                   [&](const rb::planned& x) {
                     d.outcome = "planned";
                     d.plan = x.plan;
                     d.moves = x.moves;
                     d.reason = x.note;
                     d.spread_after = x.spread_after;
                     for (const auto& m : x.moves) {
                       d.after[m.from] -= m.weight;
                       d.after[m.to] += m.weight;
                     }
                   },
                   [&](const rb::moved&) {},
                   [&](const rb::move_dropped& x) { d.dropped.push_back(x.job + ": " + x.reason); },
               },
               e);
  return d;
}

std::vector<rb::event> last_decision(const fleet_snapshot& f, const std::string& site) {
  auto it = f.history.find(site);
  if (it == f.history.end())
    return {};
  const auto& h = it->second;
  std::size_t last = h.size();
  for (std::size_t i = h.size(); i-- > 0;)
    if (std::holds_alternative<rb::evaluated>(h[i].event)) {
      last = i;
      break;
    }
  if (last == h.size())
    return {};
  std::vector<rb::event> out;
  for (const auto& r : h)
    if (r.causation == h[last].causation)
      out.push_back(r.event);
  return out;
}

void print_summary(const decision_summary& d, const services::fleet::view& fleet, bool dry_run) {
  std::string head;
  if (d.outcome == "planned")
    head = fmt::format("{} {} move(s){}, spread {} -> {} (threshold {})",
                       dry_run ? "would plan" : "plan " + std::to_string(d.plan) + ":", d.moves.size(),
                       dry_run ? "" : " under way", number(d.spread_before), number(d.spread_after),
                       number(d.threshold));
  else if (d.outcome == "below_threshold")
    head = fmt::format("balanced: spread {} is not above the threshold {}", number(d.spread_before),
                       number(d.threshold));
  else if (d.outcome == "skipped_all_overloaded")
    head = "skipped: every gateway is overloaded";
  else
    head = fmt::format("nothing can move: spread {} (threshold {})", number(d.spread_before), number(d.threshold));
  fmt::print("site {}{}: {}\n", d.site, dry_run ? " (dry run, nothing recorded)" : "", head);
  if (!d.reason.empty())
    fmt::print("  why: {}\n", d.reason);
  if (d.lower_bound)
    fmt::print("  lower bound on the moves: {}\n", *d.lower_bound);
  for (const auto& a : d.alerts)
    fmt::print("  alert {}\n", a);
  for (const auto& x : d.dropped)
    fmt::print("  dropped move of {}\n", x);
  if (!d.gateways.empty()) {
    fmt::print("  {:<20} {:>7} {:>7}  {:>12} {:>5} {:>5}  {:>9}  {}\n", "GATEWAY", "SCORE", "AFTER", "RATE", "QUEUE",
               "CPU", "WORKLOADS", "");
    for (const auto& g : d.gateways) {
      std::string rate = "-", queue = "-", cpu = "-";
      if (auto h = fleet.hosts.find(g.gateway); h != fleet.hosts.end() && h->second.load) {
        rate = human_bytes(static_cast<double>(h->second.load->bytes_per_second)) + "/s";
        queue = std::to_string(h->second.load->queue_depth);
        cpu = fmt::format("{:.2f}", h->second.load->cpu);
      }
      std::string notes;
      if (g.overloaded)
        notes += " overloaded";
      if (g.cooling)
        notes += " cooling";
      fmt::print("  {:<20} {:>7.1f} {:>7.1f}  {:>12} {:>5} {:>5}  {:>9} {}\n", g.gateway, g.score, d.after.at(g.gateway),
                 rate, queue, cpu, g.workloads, notes);
    }
  }
  for (const auto& x : d.excluded)
    fmt::print("  not scored: {}\n", x);
  if (!d.moves.empty()) {
    fmt::print("  {:<24} {:<20} {:<20} {:>7}\n", "MOVE (JOB)", "FROM", "TO", "WEIGHT");
    for (const auto& m : d.moves)
      fmt::print("  {:<24} {:<20} {:<20} {:>7.2f}\n", m.workload, m.from, m.to, m.weight);
  }
}

std::string summary_json(const decision_summary& d, bool dry_run) {
  std::vector<std::string> gateways, moves, excluded, alerts, dropped;
  for (const auto& g : d.gateways)
    gateways.push_back(fmt::format(
        "{{\"id\":{},\"score\":{},\"after\":{},\"overloaded\":{},\"cooling\":{},\"workloads\":{}}}",
        json_string(g.gateway), exact(g.score), exact(d.after.at(g.gateway)), g.overloaded, g.cooling, g.workloads));
  for (const auto& m : d.moves)
    moves.push_back(fmt::format("{{\"job\":{},\"from\":{},\"to\":{},\"weight\":{}}}", json_string(m.workload),
                                json_string(m.from), json_string(m.to), exact(m.weight)));
  for (const auto& x : d.excluded)
    excluded.push_back(json_string(x));
  for (const auto& x : d.alerts)
    alerts.push_back(json_string(x));
  for (const auto& x : d.dropped)
    dropped.push_back(json_string(x));
  return fmt::format(
      "{{\"site\":{},\"dry_run\":{},\"trigger\":\"{}\",\"at_ns\":{},\"outcome\":\"{}\",\"reason\":{},"
      "\"spread_before\":{},\"spread_after\":{},\"threshold\":{},\"plan\":{},\"lower_bound\":{},"
      "\"gateways\":[{}],\"excluded\":[{}],\"moves\":[{}],\"alerts\":[{}],\"dropped\":[{}]}}",
      json_string(d.site), dry_run, rb::to_string(d.why), d.at_ns, d.outcome, json_string(d.reason),
      exact(d.spread_before), exact(d.spread_after), exact(d.threshold), d.plan,
      d.lower_bound ? std::to_string(*d.lower_bound) : "null", fmt::join(gateways, ","), fmt::join(excluded, ","),
      fmt::join(moves, ","), fmt::join(alerts, ","), fmt::join(dropped, ","));
}

} // namespace storemesh::ops
