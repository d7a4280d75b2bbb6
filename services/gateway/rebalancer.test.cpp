// The rebalancer decider: given its history and the fleet (gateways with
// their load reports and jobs), when evaluate / configure / observe, then
// these events or this rejection.
#include "services/gateway/load_score.hpp"
#include "services/gateway/rebalancer_codec.hpp"
#include "services/testing/decider_spec.hpp"

#include <capnp/message.h>

#include <string>
#include <vector>

namespace rb = storemesh::services::rebalancer;
namespace gw = storemesh::services::gateway;
namespace host = storemesh::services::host;
namespace fleet = storemesh::services::fleet;
using storemesh::services::testing::spec;

namespace {

constexpr std::int64_t sec = 1'000'000'000;
constexpr std::int64_t t0 = 1'000'000 * sec;
constexpr std::uint64_t MiB = 1u << 20;

/// Settings whose scores are easy to read: only the rate counts, and
/// 128 MiB/s is 100 (so 16 MiB/s is 12.5).
gw::settings plain() {
  gw::settings s;
  s.weight_rate = 1;
  s.weight_queue = 0;
  s.weight_cpu = 0;
  s.rate_capacity = 128 * MiB;
  s.min_remaining_ns = 0;
  return s;
}

/// A fleet of one site's gateways, each running JOBS copy jobs at RATE each,
/// reported at AT.
struct site_fleet {
  fleet::view f;

  site_fleet& gateway(const std::string& id, int jobs, std::uint64_t rate = 16 * MiB, std::int64_t at = t0,
                      host::site where = host::site::primary) {
    auto& h = f.hosts[id];
    h.site = where;
    h.status = host::host_state::up;
    h.datastores = {{"src", "/srv/src"}, {"dst", "/srv/dst"}};
    host::load_report r;
    r.at_ns = at;
    r.interval_ns = sec;
    r.queue_depth = static_cast<std::uint32_t>(jobs);
    r.bytes_per_second = static_cast<std::uint64_t>(jobs) * rate;
    for (int i = 0; i < jobs; ++i) {
      const auto job = id + "-j" + std::to_string(i);
      h.jobs.insert(job);
      r.workloads.push_back({job, rate});
      f.job_details[job] = fleet::job_entry{"src", "dst", false, true, 1ull << 40};
    }
    h.load = r;
    return *this;
  }
  /// Every gateway's report refreshed at AT (same figures).
  site_fleet& reported_at(std::int64_t at) {
    for (auto& [id, h] : f.hosts)
      if (h.load)
        h.load->at_ns = at;
    return *this;
  }
};

std::string name(const rb::event& e) {
  return std::visit(storemesh::services::overloaded{
                        [](const rb::configured&) { return "configured"; },
                        [](const rb::evaluated&) { return "evaluated"; },
                        [](const rb::skipped_all_overloaded&) { return "skipped_all_overloaded"; },
                        [](const rb::alert_raised&) { return "alert_raised"; },
                        [](const rb::alert_cleared&) { return "alert_cleared"; },
                        [](const rb::below_threshold&) { return "below_threshold"; },
                        [](const rb::unbalanceable&) { return "unbalanceable"; },
                        [](const rb::planned&) { return "planned"; },
                        [](const rb::moved&) { return "moved"; },
                        [](const rb::move_dropped&) { return "move_dropped"; },
                    },
                    e);
}

std::vector<std::string> names(const std::vector<rb::event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events)
    out.push_back(name(e));
  return out;
}

rb::state fold(const std::vector<rb::event>& history) {
  rb::state s;
  for (const auto& e : history)
    s = rb::evolve(std::move(s), e);
  return s;
}

/// Decides C and requires it accepted; checks the idempotency property every
/// decider gets (the same command on the resulting state decides nothing).
std::vector<rb::event> accepted(const rb::state& s, const rb::command& c, const fleet::view& f) {
  auto d = rb::decide(s, c, f);
  BOOST_REQUIRE_MESSAGE(d.accepted(), "rejected: " << (d.accepted() ? "" : d.why().code + ": " + d.why().reason));
  auto after = s;
  for (const auto& e : d.events)
    after = rb::evolve(std::move(after), e);
  BOOST_CHECK_MESSAGE(rb::decide(after, c, f).events.empty(), "deciding the same command again yields new events");
  return d.events;
}

std::string rejected(const rb::state& s, const rb::command& c, const fleet::view& f) {
  auto d = rb::decide(s, c, f);
  BOOST_REQUIRE_MESSAGE(!d.accepted(), "expected a rejection");
  BOOST_CHECK(!d.why().reason.empty());
  return d.why().code;
}

const rb::configured primary_plain{"primary", plain()};
rb::command evaluate_at(std::int64_t at, rb::trigger why = rb::trigger::on_demand) {
  return rb::evaluate{"primary", why, at};
}

rb::planned plan_of(const std::vector<rb::event>& events) {
  for (const auto& e : events)
    if (const auto* p = std::get_if<rb::planned>(&e))
      return *p;
  BOOST_FAIL("no planned event");
  return {};
}

} // namespace

BOOST_AUTO_TEST_SUITE(rebalancer_decider)

BOOST_AUTO_TEST_CASE(a_site_whose_gateways_are_all_overloaded_is_skipped_with_its_reason_and_one_alert) {
  auto cfg = plain();
  cfg.overload_threshold = 30;  // 3 jobs at 16 MiB/s = 37.5
  const std::vector<rb::event> history{rb::configured{"primary", cfg}};
  site_fleet site;
  site.gateway("gw-a", 6).gateway("gw-b", 3);
  const auto events = accepted(fold(history), evaluate_at(t0), site.f);
  BOOST_TEST(names(events) == (std::vector<std::string>{"evaluated", "skipped_all_overloaded", "alert_raised"}));
  const auto& ev = std::get<rb::evaluated>(events[0]);
  BOOST_REQUIRE_EQUAL(ev.gateways.size(), 2u);
  BOOST_TEST(ev.gateways[0].gateway == "gw-a");
  BOOST_TEST(ev.gateways[0].score == 75.0);
  BOOST_TEST(ev.gateways[0].overloaded);
  BOOST_TEST(ev.gateways[1].score == 37.5);
  BOOST_TEST(ev.spread == 0.5);
  BOOST_TEST(std::get<rb::skipped_all_overloaded>(events[1]).reason.find("every gateway") != std::string::npos);
  BOOST_TEST(std::get<rb::alert_raised>(events[2]).code == "all_overloaded");

  // Still all overloaded a second later: skipped again, but one alert is enough.
  auto after = fold(history);
  for (const auto& e : events)
    after = rb::evolve(std::move(after), e);
  BOOST_TEST(after.alerting);
  BOOST_TEST(after.last_outcome == "skipped_all_overloaded");
  site.reported_at(t0 + sec);
  const auto again = accepted(after, evaluate_at(t0 + sec), site.f);
  BOOST_TEST(names(again) == (std::vector<std::string>{"evaluated", "skipped_all_overloaded"}));
  for (const auto& e : again)
    after = rb::evolve(std::move(after), e);

  // An idle gateway joins: the site is rebalanced and the alert cleared.
  site.gateway("gw-c", 0, 16 * MiB, t0 + 2 * sec).reported_at(t0 + 2 * sec);
  const auto relieved = accepted(after, evaluate_at(t0 + 2 * sec), site.f);
  BOOST_TEST(names(relieved) == (std::vector<std::string>{"evaluated", "planned", "alert_cleared"}));
  for (const auto& e : relieved)
    after = rb::evolve(std::move(after), e);
  BOOST_TEST(!after.alerting);
}

BOOST_AUTO_TEST_CASE(a_spread_below_the_threshold_is_recorded_and_nothing_moves) {
  site_fleet site;
  site.gateway("gw-a", 5).gateway("gw-b", 4);  // (62.5 - 50) / 62.5 = 0.2
  const auto events = accepted(fold({primary_plain}), evaluate_at(t0), site.f);
  BOOST_TEST(names(events) == (std::vector<std::string>{"evaluated", "below_threshold"}));
  BOOST_CHECK(std::get<rb::below_threshold>(events[1]) == (rb::below_threshold{0.2, 0.25}));
}

BOOST_AUTO_TEST_CASE(a_spread_exactly_at_the_threshold_is_below_it) {
  site_fleet site;
  site.gateway("gw-a", 4).gateway("gw-b", 3);  // (50 - 37.5) / 50 = 0.25
  const auto events = accepted(fold({primary_plain}), evaluate_at(t0), site.f);
  BOOST_TEST(names(events) == (std::vector<std::string>{"evaluated", "below_threshold"}));
  BOOST_CHECK(std::get<rb::below_threshold>(events[1]) == (rb::below_threshold{0.25, 0.25}));
}

BOOST_AUTO_TEST_CASE(a_spread_above_the_threshold_plans_moves_from_the_busiest_to_the_least_busy) {
  site_fleet site;
  site.gateway("gw-a", 10).gateway("gw-b", 1).gateway("gw-c", 1);
  const auto events = accepted(fold({primary_plain}), evaluate_at(t0), site.f);
  BOOST_TEST(names(events) == (std::vector<std::string>{"evaluated", "planned"}));
  const auto p = plan_of(events);
  BOOST_TEST(p.plan == 1u);
  BOOST_TEST(p.moves.size() == 6u);
  int to_b = 0, to_c = 0;
  for (const auto& m : p.moves) {
    BOOST_TEST(m.from == "gw-a");
    BOOST_TEST(m.weight == 12.5);
    to_b += m.to == "gw-b";
    to_c += m.to == "gw-c";
  }
  BOOST_TEST(to_b == 3);
  BOOST_TEST(to_c == 3);
  BOOST_TEST(p.spread_before == 0.9);
  BOOST_TEST(p.spread_after == 0.0);

  // Every planned move is under way: its workload and both gateways are busy.
  auto s = fold({primary_plain});
  for (const auto& e : events)
    s = rb::evolve(std::move(s), e);
  BOOST_TEST(s.pending.size() == 6u);
  BOOST_TEST(s.plans == 1u);
  const auto recent = s.recent();
  BOOST_TEST(recent.gateways_in_flight == (std::set<std::string>{"gw-a", "gw-b", "gw-c"}));
}

BOOST_AUTO_TEST_CASE(equal_loads_are_balanced_and_tied_choices_go_to_the_smallest_id) {
  site_fleet even;
  even.gateway("gw-a", 3).gateway("gw-b", 3).gateway("gw-c", 3);
  const auto events = accepted(fold({primary_plain}), evaluate_at(t0), even.f);
  BOOST_TEST(names(events) == (std::vector<std::string>{"evaluated", "below_threshold"}));
  BOOST_TEST(std::get<rb::evaluated>(events[0]).spread == 0.0);

  site_fleet tied;
  tied.gateway("gw-b", 2).gateway("gw-a", 2).gateway("gw-d", 0).gateway("gw-c", 0);
  const auto p = plan_of(accepted(fold({primary_plain}), evaluate_at(t0), tied.f));
  BOOST_REQUIRE_EQUAL(p.moves.size(), 2u);
  BOOST_TEST(p.moves[0].from == "gw-a");
  BOOST_TEST(p.moves[0].to == "gw-c");
  BOOST_TEST(p.moves[0].workload == "gw-a-j0");
  BOOST_TEST(p.moves[1].from == "gw-b");
  BOOST_TEST(p.moves[1].to == "gw-d");
}

BOOST_AUTO_TEST_CASE(a_move_that_would_invert_the_imbalance_is_not_made) {
  site_fleet site;
  site.gateway("gw-a", 1, 64 * MiB).gateway("gw-b", 0);  // 50 against 0, one workload of 50
  const auto events = accepted(fold({primary_plain}), evaluate_at(t0), site.f);
  BOOST_TEST(names(events) == (std::vector<std::string>{"evaluated", "unbalanceable"}));
  const auto& u = std::get<rb::unbalanceable>(events[1]);
  BOOST_TEST(u.spread == 1.0);
  BOOST_TEST(u.reason.find("busier than gw-a") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_gateway_that_gave_or_took_rests_for_its_cool_down) {
  // Plan 1 moved gw-a-j9 to gw-c at t0; gw-a is still the busiest.
  const std::vector<rb::event> history{
      primary_plain,
      rb::evaluated{"primary", rb::trigger::on_demand, t0 - sec, 0.9, {}, {}},
      rb::planned{1, {{"gw-a-j9", "gw-a", "gw-c", 12.5}}, 0.9, 0.8, ""},
      rb::moved{1, "gw-a-j9", "gw-a", "gw-c", t0},
  };
  const auto s = fold(history);
  BOOST_TEST(s.pending.empty());
  BOOST_TEST(s.gateways_moved.at("gw-c") == t0);
  site_fleet site;
  site.gateway("gw-a", 9).gateway("gw-b", 0).gateway("gw-c", 1).reported_at(t0 + 10 * sec);
  // 10 s later: gw-a and gw-c rest (60 s), so nothing may leave gw-a.
  const auto early = accepted(s, evaluate_at(t0 + 10 * sec), site.f);
  BOOST_TEST(names(early) == (std::vector<std::string>{"evaluated", "unbalanceable"}));
  const auto& ev = std::get<rb::evaluated>(early[0]);
  BOOST_TEST(ev.gateways[0].cooling);   // gw-a
  BOOST_TEST(!ev.gateways[1].cooling);  // gw-b
  BOOST_TEST(ev.gateways[2].cooling);   // gw-c
  // Once the cool-down is over, gw-a gives again, to gw-b and gw-c.
  site.reported_at(t0 + 61 * sec);
  const auto p = plan_of(accepted(s, evaluate_at(t0 + 61 * sec), site.f));
  BOOST_TEST(!p.moves.empty());
}

BOOST_AUTO_TEST_CASE(a_moved_workload_stays_put_for_its_cool_down) {
  const std::vector<rb::event> history{
      primary_plain,
      rb::evaluated{"primary", rb::trigger::on_demand, t0 - 100 * sec, 0.9, {}, {}},
      rb::planned{1, {{"gw-a-j0", "gw-b", "gw-a", 12.5}}, 0.9, 0.8, ""},
      rb::moved{1, "gw-a-j0", "gw-b", "gw-a", t0 - 90 * sec},
  };
  // Two workloads on a, one cooling: only the other may move.
  site_fleet two;
  two.gateway("gw-a", 2).gateway("gw-b", 0);
  const auto p = plan_of(accepted(fold(history), evaluate_at(t0), two.f));
  BOOST_REQUIRE_EQUAL(p.moves.size(), 1u);
  BOOST_TEST(p.moves[0].workload == "gw-a-j1");
}

BOOST_AUTO_TEST_CASE(a_move_under_way_keeps_its_workload_and_both_gateways_out_of_the_next_plan) {
  const std::vector<rb::event> history{
      primary_plain,
      rb::evaluated{"primary", rb::trigger::on_demand, t0 - sec, 0.9, {}, {}},
      rb::planned{1, {{"gw-a-j0", "gw-a", "gw-b", 12.5}}, 0.9, 0.8, ""},
  };
  // gw-b's report does not show the move yet: it would look like the best
  // target, and gw-a like the best source. Both wait.
  site_fleet site;
  site.gateway("gw-a", 6).gateway("gw-b", 0).gateway("gw-c", 0);
  const auto events = accepted(fold(history), evaluate_at(t0), site.f);
  BOOST_TEST(names(events) == (std::vector<std::string>{"evaluated", "unbalanceable"}));
  const auto& ev = std::get<rb::evaluated>(events[0]);
  BOOST_TEST(ev.gateways[0].cooling);
  BOOST_TEST(ev.gateways[1].cooling);
  BOOST_TEST(!ev.gateways[2].cooling);
  // A busier gateway that is free gives to the free target.
  site.gateway("gw-d", 7);
  const auto p = plan_of(accepted(fold(history), evaluate_at(t0), site.f));
  BOOST_REQUIRE(!p.moves.empty());
  for (const auto& m : p.moves) {
    BOOST_TEST(m.from == "gw-d");
    BOOST_TEST(m.to == "gw-c");
  }
}

BOOST_AUTO_TEST_CASE(a_move_not_handed_over_in_time_is_dropped_at_the_next_evaluation) {
  const std::vector<rb::event> history{
      primary_plain,
      rb::evaluated{"primary", rb::trigger::on_demand, t0, 0.9, {}, {}},
      rb::planned{1, {{"gw-a-j0", "gw-a", "gw-b", 12.5}}, 0.9, 0.8, ""},
  };
  site_fleet site;
  site.gateway("gw-a", 1).gateway("gw-b", 1).reported_at(t0 + 601 * sec);
  const auto events = accepted(fold(history), evaluate_at(t0 + 601 * sec), site.f);
  BOOST_TEST(names(events) == (std::vector<std::string>{"move_dropped", "evaluated", "below_threshold"}));
  BOOST_TEST(std::get<rb::move_dropped>(events[0]).job == "gw-a-j0");
  BOOST_TEST(std::get<rb::move_dropped>(events[0]).reason.find("600") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_move_whose_migration_never_started_is_dropped_once_reports_could_show_it) {
  // The job's `migrate` was refused (say its target was drained meanwhile):
  // the job still runs on its source, not migrating. Its gateways must not
  // wait out the whole move timeout.
  const std::vector<rb::event> history{
      primary_plain,
      rb::evaluated{"primary", rb::trigger::on_demand, t0, 0.9, {}, {}},
      rb::planned{1, {{"gw-a-j0", "gw-a", "gw-b", 12.5}, {"gw-a-j1", "gw-a", "gw-b", 12.5}}, 0.9, 0.8, ""},
  };
  site_fleet site;
  site.gateway("gw-a", 2).gateway("gw-b", 2).reported_at(t0 + 31 * sec);
  site.f.job_details["gw-a-j1"].migrating = true;  // this one is under way
  const auto early = accepted(fold(history), evaluate_at(t0 + 29 * sec), site.f);
  BOOST_TEST(names(early) == (std::vector<std::string>{"evaluated", "below_threshold"}));
  const auto events = accepted(fold(history), evaluate_at(t0 + 31 * sec), site.f);
  BOOST_TEST(names(events) == (std::vector<std::string>{"move_dropped", "evaluated", "below_threshold"}));
  BOOST_TEST(std::get<rb::move_dropped>(events[0]).job == "gw-a-j0");
  BOOST_TEST(std::get<rb::move_dropped>(events[0]).reason.find("did not start") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(gateways_not_up_without_reports_or_with_stale_ones_are_not_scored) {
  site_fleet site;
  site.gateway("gw-a", 4).gateway("gw-b", 4).gateway("gw-c", 0, 16 * MiB, t0 - 31 * sec).gateway("gw-d", 0);
  site.f.hosts["gw-b"].status = host::host_state::draining;
  site.f.hosts["gw-d"].load.reset();
  site.gateway("gw-r", 0, 16 * MiB, t0, host::site::recovery);  // the other site
  site.f.hosts["plain"].datastores = {{"src", "/srv/src"}};       // not a gateway
  const auto events = accepted(fold({primary_plain}), evaluate_at(t0), site.f);
  const auto& ev = std::get<rb::evaluated>(events[0]);
  BOOST_REQUIRE_EQUAL(ev.gateways.size(), 1u);
  BOOST_TEST(ev.gateways[0].gateway == "gw-a");
  BOOST_TEST(ev.excluded == (std::vector<std::string>{"gw-b: draining", "gw-c: last load report 31 s old",
                                                      "gw-d: no load report yet"}));
  BOOST_TEST(names(events) == (std::vector<std::string>{"evaluated", "below_threshold"}));
  // No gateway at all with a fresh report: nothing to balance, and why.
  site_fleet empty;
  const auto none = accepted(fold({primary_plain}), evaluate_at(t0), empty.f);
  BOOST_TEST(names(none) == (std::vector<std::string>{"evaluated", "unbalanceable"}));
}

BOOST_AUTO_TEST_CASE(a_workload_about_to_end_or_migrating_is_not_moved) {
  auto cfg = plain();
  cfg.min_remaining_ns = 10 * sec;
  site_fleet site;
  site.gateway("gw-a", 2).gateway("gw-b", 0);
  site.f.job_details["gw-a-j0"].remaining = 5 * 16 * MiB;  // 5 s at 16 MiB/s
  site.f.job_details["gw-a-j1"].migrating = true;
  const auto events = accepted(fold({rb::configured{"primary", cfg}}), evaluate_at(t0), site.f);
  BOOST_TEST(names(events) == (std::vector<std::string>{"evaluated", "unbalanceable"}));
}

BOOST_AUTO_TEST_CASE(evaluations_move_forward_in_time) {
  auto s = fold({primary_plain, rb::evaluated{"primary", rb::trigger::on_demand, t0, 0, {}, {}}});
  site_fleet site;
  BOOST_TEST(rejected(s, evaluate_at(t0), site.f) == "stale");
  BOOST_TEST(rejected(s, evaluate_at(t0 - 1), site.f) == "stale");
  BOOST_TEST(rejected(rb::state{}, evaluate_at(0), site.f) == "invalid");
}

BOOST_AUTO_TEST_CASE(a_scheduled_evaluation_waits_for_its_interval_and_is_refused_when_off) {
  auto s = fold({primary_plain, rb::evaluated{"primary", rb::trigger::scheduled, t0, 0, {}, {}}});
  site_fleet site;
  site.gateway("gw-a", 1).reported_at(t0 + 30 * sec);
  BOOST_TEST(rejected(s, evaluate_at(t0 + 29 * sec, rb::trigger::scheduled), site.f) == "not_due");
  const auto events = accepted(s, evaluate_at(t0 + 30 * sec, rb::trigger::scheduled), site.f);
  BOOST_CHECK(std::get<rb::evaluated>(events[0]).why == rb::trigger::scheduled);
  // An operator's evaluation is never early.
  (void)accepted(s, evaluate_at(t0 + sec), site.f);
  auto off = plain();
  off.interval_ns = 0;
  BOOST_TEST(rejected(fold({rb::configured{"primary", off}}), evaluate_at(t0, rb::trigger::scheduled), site.f) ==
             "not_scheduled");
}

BOOST_AUTO_TEST_CASE(a_rebalancer_serves_one_valid_site) {
  site_fleet site;
  BOOST_TEST(rejected(rb::state{}, rb::evaluate{"tertiary", rb::trigger::on_demand, t0}, site.f) == "invalid");
  BOOST_TEST(rejected(fold({primary_plain}), rb::evaluate{"recovery", rb::trigger::on_demand, t0}, site.f) ==
             "wrong_site");
}

BOOST_AUTO_TEST_CASE(configuring_records_the_settings_once_and_refuses_bad_ones) {
  spec<rb::entity>().when(rb::configure{"recovery", plain()}).then({rb::configured{"recovery", plain()}});
  spec<rb::entity>().given({primary_plain}).when(rb::configure{"primary", plain()}).then_rejected("no_change");
  auto bad = plain();
  bad.spread_threshold = 1.5;
  spec<rb::entity>().when(rb::configure{"primary", bad}).then_rejected("invalid");
  spec<rb::entity>().when(rb::configure{"secondary", plain()}).then_rejected("invalid");
}

BOOST_AUTO_TEST_CASE(a_move_ends_moved_or_dropped_as_its_job_reports) {
  const std::vector<rb::event> history{
      primary_plain,
      rb::evaluated{"primary", rb::trigger::on_demand, t0, 0.9, {}, {}},
      rb::planned{1, {{"j1", "gw-a", "gw-b", 12.5}, {"j2", "gw-a", "gw-c", 12.5}}, 0.9, 0.1, ""},
  };
  auto moved = spec<rb::entity>().given(history);
  moved.when(rb::observe_moved{"primary", "j1", "gw-b", t0 + sec})
      .then({rb::moved{1, "j1", "gw-a", "gw-b", t0 + sec}});
  spec<rb::entity>()
      .given(history)
      .when(rb::observe_ended{"primary", "j2", true, t0 + sec})
      .then({rb::move_dropped{1, "j2", "the job completed before it moved", t0 + sec}});
  spec<rb::entity>().given(history).when(rb::observe_moved{"primary", "j9", "gw-b", t0}).then_rejected("not_pending");
  const auto s = fold({history[0], history[1], history[2], rb::moved{1, "j1", "gw-a", "gw-b", t0 + sec},
                       rb::move_dropped{1, "j2", "x", t0 + sec}});
  BOOST_TEST(s.pending.empty());
  BOOST_TEST(s.moves_done == 1u);
  BOOST_TEST(s.moves_dropped == 1u);
  BOOST_TEST(s.workloads_moved.at("j1") == t0 + sec);
  BOOST_TEST(s.workloads_moved.at("j2") == t0 + sec);
  BOOST_TEST(s.gateways_moved.count("gw-c") == 0u);
}

BOOST_AUTO_TEST_CASE(the_cool_down_memory_forgets_what_no_longer_matters) {
  const auto s = fold({primary_plain, rb::evaluated{"primary", rb::trigger::on_demand, t0, 0, {}, {}},
                       rb::planned{1, {{"j1", "a", "b", 1}}, 0.5, 0, ""}, rb::moved{1, "j1", "a", "b", t0},
                       rb::evaluated{"primary", rb::trigger::on_demand, t0 + 301 * sec, 0, {}, {}}});
  BOOST_TEST(s.workloads_moved.empty());
  BOOST_TEST(s.gateways_moved.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rebalancer_codec)

BOOST_AUTO_TEST_CASE(commands_events_and_state_survive_their_capnp_form) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<storemesh::schema::Envelope>();
  for (rb::command c : {rb::command{rb::configure{"primary", plain()}}, rb::command{evaluate_at(t0)},
                        rb::command{rb::observe_moved{"primary", "j", "b", t0}},
                        rb::command{rb::observe_ended{"recovery", "j", false, t0}}}) {
    rb::entity::write_command(c, env);
    auto back = rb::entity::read_command(env.asReader());
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST(back.value().index() == c.index());
  }
  const std::vector<rb::event> all{
      primary_plain,
      rb::evaluated{"primary", rb::trigger::scheduled, t0, 0.5, {{"a", 50, false, true, 4}}, {"c: draining"}},
      rb::skipped_all_overloaded{"why"},
      rb::alert_raised{"all_overloaded", "m"},
      rb::alert_cleared{"all_overloaded", "m"},
      rb::below_threshold{0.1, 0.25},
      rb::unbalanceable{0.9, 0.25, "why"},
      rb::planned{3, {{"j", "a", "b", 12.5}}, 0.9, 0.1, "note"},
      rb::moved{3, "j", "a", "b", t0},
      rb::move_dropped{3, "k", "why", t0},
  };
  for (const auto& e : all) {
    rb::entity::write_event(e, env);
    auto back = rb::entity::read_event(env.asReader());
    BOOST_REQUIRE(back.has_value());
    BOOST_CHECK(back.value() == e);
  }
  auto s = fold({all[0], all[1], all[3], all[7], all[8]});
  s.workloads_moved["x"] = t0;
  auto back = rb::entity::read_state(rb::entity::write_state(s));
  BOOST_REQUIRE(back.has_value());
  BOOST_CHECK(back.value() == s);
  BOOST_CHECK(!rb::entity::read_state("1234567").has_value());
}

BOOST_AUTO_TEST_CASE(publishing_tells_the_fleet_the_settings_the_schedule_and_the_moves_under_way) {
  fleet::view f;
  const auto s = fold({primary_plain, rb::evaluated{"primary", rb::trigger::on_demand, t0, 0, {}, {}},
                       rb::planned{1, {{"j", "a", "b", 1}}, 0.5, 0, ""}});
  rb::entity::publish(f, "primary", s);
  BOOST_TEST(f.rebalancers.at("primary").pending.count("j") == 1u);
  BOOST_TEST(f.rebalancers.at("primary").last_evaluated_ns == t0);
  BOOST_CHECK(f.settings_for("primary") == plain());
  BOOST_CHECK(f.settings_for("recovery") == gw::settings{});
}

BOOST_AUTO_TEST_SUITE_END()
