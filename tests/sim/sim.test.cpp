// The simulator itself: a seed replays bit for bit, a run's fault schedule
// replays it exactly, the simulated log fences as Kafka and the runtime do,
// and a failure shrinks to a schedule that still fails.

#include "events/log_errc.hpp"
#include "events/planted_bugs.hpp"
#include "sim/shrink.hpp"
#include "sim/sim_log.hpp"
#include "sim/world.hpp"

#include <boost/test/unit_test.hpp>

namespace sim = storemesh::sim;
namespace events = storemesh::events;
using storemesh::offset;
using storemesh::ownership_epoch;
using storemesh::partition_id;

namespace {

sim::run_options options(std::uint64_t seed, const char* scenario = "runtime") {
  sim::run_options o;
  o.seed = seed;
  o.scenario = scenario;
  o.steps = 150;
  o.faults = sim::fault_set::parse("all").value();
  return o;
}

struct planted_guard {
  explicit planted_guard(events::planted_bug b) { events::planted_bugs() = static_cast<unsigned>(b); }
  ~planted_guard() { events::planted_bugs() = 0; }
};

struct null_listener : events::partition_group::listener {
  std::vector<partition_id> got, lost;
  void assigned(const std::vector<partition_id>& ps) override { got.insert(got.end(), ps.begin(), ps.end()); }
  void revoked(const std::vector<partition_id>& ps, bool) override { lost.insert(lost.end(), ps.begin(), ps.end()); }
};

} // namespace

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_trace_bit_for_bit) {
  const auto a = sim::run(options(7));
  const auto b = sim::run(options(7));
  const auto c = sim::run(options(8));
  BOOST_TEST(a.ok, a.violation);
  BOOST_TEST(a.events > 0u);
  BOOST_TEST(!a.schedule.empty());
  BOOST_TEST(a.trace_hash == b.trace_hash);
  BOOST_TEST(a.trace_hash != c.trace_hash);
}

BOOST_AUTO_TEST_CASE(a_run_replayed_from_its_fault_schedule_is_the_same_run) {
  const auto drawn = sim::run(options(11));
  auto o = options(11);
  o.schedule = drawn.schedule;
  const auto replayed = sim::run(o);
  BOOST_TEST(replayed.trace_hash == drawn.trace_hash);
  BOOST_TEST(replayed.schedule.empty());  // nothing drawn
}

BOOST_AUTO_TEST_CASE(a_schedule_round_trips_through_its_text) {
  const std::vector<sim::fault_event> s{{3, sim::fault::crash, 1, 12}, {40, sim::fault::delay, 0, 7}};
  const auto text = sim::schedule_text(s);
  BOOST_TEST(text == "3:crash:1:12,40:delay:0:7");
  BOOST_TEST((sim::parse_schedule(text).value() == s));
  BOOST_TEST(!sim::parse_schedule("3:meteor:1:1"));
  BOOST_TEST(!sim::fault_set::parse("crash,meteor"));
}

BOOST_AUTO_TEST_CASE(the_simulated_broker_fences_a_member_behind_the_group) {
  sim::sim_log log(nullptr);
  BOOST_REQUIRE(log.create_topic("c", 2));
  auto a = log.join_group("c", "a").value();
  auto b = log.join_group("c", "b").value();
  log.rebalance({"a", "b"});
  null_listener la, lb;
  BOOST_REQUIRE(a->poll(la, {}));
  BOOST_REQUIRE(b->poll(lb, {}));
  BOOST_REQUIRE(!la.got.empty());
  const auto p = la.got.front();
  const events::partition_claim claim{p, *a->epoch(p)};
  const std::vector<events::record> one{{"k", "v", 0}};
  events::offsets_commit commit{a.get(), "c", {{p, offset{0}}}, {claim}};
  BOOST_TEST(log.append_committing({{"c", p, &one, true}}, commit).has_value());
  log.rebalance({"b"});  // a is expelled and has not heard
  const auto fenced = log.append_committing({{"c", p, &one, true}}, commit);
  BOOST_REQUIRE(!fenced);
  BOOST_TEST((fenced.error().code == events::log_errc::fenced));
  // a hears (polls) and is at the current generation: its old claim is
  // stale all the same -- the runtime's check, not the broker's.
  log.rebalance({"a", "b"});
  BOOST_REQUIRE(a->poll(la, {}));
  const auto stale = log.append_committing({{"c", p, &one, true}}, commit);
  BOOST_REQUIRE(!stale);
  BOOST_TEST((stale.error().code == events::log_errc::stale_claim));
  planted_guard bug(events::planted_bug::skip_fencing);
  BOOST_TEST(log.append_committing({{"c", p, &one, true}}, commit).has_value());
}

BOOST_AUTO_TEST_CASE(a_planted_dedup_bug_is_found_and_shrunk_to_a_schedule_that_still_fails) {
  planted_guard bug(events::planted_bug::skip_dedup);
  std::optional<sim::run_result> failure;
  auto o = options(1);
  for (std::uint64_t seed = 1; seed <= 300 && !failure; ++seed) {
    o.seed = seed;
    if (auto r = sim::run(o); !r.ok)
      failure = r;
  }
  BOOST_REQUIRE_MESSAGE(failure, "skip_dedup not found in 300 seeds");
  BOOST_TEST(failure->violation.find("decided") != std::string::npos, failure->violation);
  const auto s = sim::shrink(o, *failure);
  BOOST_TEST(!s.result.ok);
  BOOST_REQUIRE(s.options.schedule);
  BOOST_TEST(s.options.schedule->size() <= failure->schedule.size());
  const auto again = sim::run(s.options);
  BOOST_TEST(!again.ok);
  BOOST_TEST(again.trace_hash == s.result.trace_hash);
}
