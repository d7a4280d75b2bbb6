#pragma once
// Rebalancer: the process manager that keeps one site's replication gateways
// evenly loaded. One entity per site (id "primary" or "recovery"). It is
// event-sourced: every decision is an event, and its reactions
// (reactions.hpp) turn each planned move into a migration of the copy job
// (copy_job `migrate`, the migration protocol) and report back what became
// of it, so a daemon killed between two steps resumes where it stopped.
//
//   evaluate (scheduled, or on demand)
//     -> [move_dropped ...]            planned moves not handed over in time, or
//                                      whose migration never started (refused)
//     -> evaluated (scores of the site's gateways, the spread)
//     -> skipped_all_overloaded [+ alert_raised]    every gateway overloaded
//      | below_threshold   [+ alert_cleared]        spread <= threshold
//      | unbalanceable     [+ alert_cleared]        above it, nothing may move
//      | planned(moves)    [+ alert_cleared]        -> migrate, one per move
//   observe_moved (the job resumed on its target)   -> moved
//   observe_ended (the job ended before it moved)   -> move_dropped
//
// No oscillation: a workload moved (or being moved) stays put for
// cooldown_workload; a gateway that gave or took one neither gives nor takes
// for cooldown_gateway (its reports must first show the move); and the
// planner never moves a workload to a gateway that would become busier than
// its source (rebalance_plan.hpp).

#include "services/decision.hpp"
#include "services/fleet/fleet.hpp"
#include "services/gateway/settings.hpp"
#include "services/gateway/site_loads.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace storemesh::services::rebalancer {

using gateway::settings;

enum class trigger : std::uint8_t { scheduled, on_demand };

// -- events (the storage format: add alternatives, never change one) ----------

struct configured {
  std::string site;
  settings config;
  bool operator==(const configured& o) const { return site == o.site && config == o.config; }
};
struct gateway_score {
  std::string gateway;
  double score = 0;
  bool overloaded = false;
  bool cooling = false;
  std::uint32_t workloads = 0;
  bool operator==(const gateway_score& o) const;
};
struct evaluated {
  std::string site;
  trigger why = trigger::on_demand;
  std::int64_t at_ns = 0;
  double spread = 0;
  std::vector<gateway_score> gateways;  ///< in id order
  std::vector<std::string> excluded;    ///< "<gateway>: why it was not scored"
  bool operator==(const evaluated& o) const;
};
struct skipped_all_overloaded {
  std::string reason;
  bool operator==(const skipped_all_overloaded& o) const { return reason == o.reason; }
};
struct alert_raised {
  std::string code, message;
  bool operator==(const alert_raised& o) const { return code == o.code && message == o.message; }
};
struct alert_cleared {
  std::string code, message;
  bool operator==(const alert_cleared& o) const { return code == o.code && message == o.message; }
};
struct below_threshold {
  double spread = 0, threshold = 0;
  bool operator==(const below_threshold& o) const { return spread == o.spread && threshold == o.threshold; }
};
struct unbalanceable {
  double spread = 0, threshold = 0;
  std::string reason;
  bool operator==(const unbalanceable& o) const {
    return spread == o.spread && threshold == o.threshold && reason == o.reason;
  }
};
using move = gateway::planned_move;
struct planned {
  std::uint32_t plan = 0;
  std::vector<move> moves;
  double spread_before = 0, spread_after = 0;
  std::string note;  ///< why the plan stops short of the threshold, if it does
  bool operator==(const planned& o) const;
};
struct moved {
  std::uint32_t plan = 0;
  std::string job, from, to;
  std::int64_t at_ns = 0;
  bool operator==(const moved& o) const;
};
struct move_dropped {
  std::uint32_t plan = 0;
  std::string job, reason;
  std::int64_t at_ns = 0;
  bool operator==(const move_dropped& o) const;
};

using event = std::variant<configured, evaluated, skipped_all_overloaded, alert_raised, alert_cleared,
                           below_threshold, unbalanceable, planned, moved, move_dropped>;

// -- state ----------------------------------------------------------------------

struct pending_move {
  std::uint32_t plan = 0;
  std::string from, to;
  std::int64_t planned_ns = 0;
  bool operator==(const pending_move& o) const {
    return plan == o.plan && from == o.from && to == o.to && planned_ns == o.planned_ns;
  }
};

struct state {
  std::string site;  ///< set by the first event
  bool configured = false;
  settings config;   ///< the defaults until configured
  std::uint64_t evaluations = 0;
  std::int64_t last_evaluated_ns = 0;
  std::uint32_t plans = 0;
  std::map<std::string, pending_move> pending;     ///< job -> its planned move, under way
  std::map<std::string, std::int64_t> workloads_moved;  ///< job -> when it last moved (within its cool-down)
  std::map<std::string, std::int64_t> gateways_moved;   ///< gateway -> when it last gave or took
  bool alerting = false;
  std::string alert;
  // The last evaluation, for `rebalance status`.
  trigger last_trigger = trigger::on_demand;
  std::string last_outcome;  ///< skipped_all_overloaded, below_threshold, unbalanceable, planned
  std::string last_reason;
  double last_spread_before = 0, last_spread_after = 0;
  std::uint64_t moves_done = 0, moves_dropped = 0;
  bool operator==(const state& o) const;

  /// The cool-down memory the planner reads.
  [[nodiscard]] gateway::recent_moves recent() const;
};

inline const state initial{};

[[nodiscard]] state evolve(state s, const event& e);

// -- commands -------------------------------------------------------------------

struct configure {
  std::string site;
  settings config;
};
/// AT_NS is the evaluation's time: a scheduled one carries the time of the
/// load report that found it due, an operator's the time it was asked.
struct evaluate {
  std::string site;
  trigger why = trigger::on_demand;
  std::int64_t at_ns = 0;
};
/// From the reactions: the job of a planned move resumed on gateway TO.
struct observe_moved {
  std::string site, job, to;
  std::int64_t at_ns = 0;
};
/// From the reactions: the job of a planned move ended before it moved.
struct observe_ended {
  std::string site, job;
  bool completed = true;
  std::int64_t at_ns = 0;
};

using command = std::variant<configure, evaluate, observe_moved, observe_ended>;

/// Evaluating reads the site's gateways and jobs from the fleet view.
[[nodiscard]] decision<event> decide(const state& s, const command& c, const fleet::view& fleet);

[[nodiscard]] bool valid_site(const std::string& site);
[[nodiscard]] std::string_view to_string(trigger t);

} // namespace storemesh::services::rebalancer
