#include <boost/test/unit_test.hpp>

#include "actors/records.hpp"
#include "services/gateway/rebalancer_codec.hpp"
#include "services/host/host_codec.hpp"
#include "services/migration/copy_job_codec.hpp"
#include "services/migration/migration_codec.hpp"
#include "sim/scenarios/direct_world.hpp"
#include "sim/scenarios/says.hpp"
#include "sim/scenarios/follow_entity.hpp"
#include "sim/scenarios/rebalancing_scenario.hpp"
#include "sim/test_log.hpp"
#include "sim/test_records.hpp"


namespace sim = storemesh::sim;
using sim::testing::says;
namespace cj = storemesh::services::copy_job;
namespace rb = storemesh::services::rebalancer;
namespace host = storemesh::services::host;
using storemesh::services::gateway::settings;

namespace {

constexpr std::int64_t t0 = 1'000'000'000'000;
constexpr std::uint64_t mib = 1u << 20;

struct fixture {
  sim::test_log log;
  sim::testing::test_records records;
  sim::rebalancing_scenario sc;
  settings cfg;  // the defaults: the site is not configured

  template <class Entity>
  void add(const std::string& id, typename Entity::event_type e) {
    records.event<Entity>(log, id, e);
  }
  /// Gateways g1, g2, g3 of site primary; w1 and w2 run on g1.
  fixture() {
    for (const auto* g : {"g1", "g2", "g3"})
      add<host::entity>(g, host::registered{{{"src", "/mnt/src"}, {"dst", "/mnt/dst"}}, host::site::primary});
    for (const auto* w : {"w1", "w2"}) {
      add<cj::entity>(w, cj::submitted{{"src", w}, {"dst", w}, 4096, 0});
      add<cj::entity>(w, cj::assigned{"g1", 1, 0, 0});
    }
  }
  /// A report of G; its score as this test computes it.
  double report(const std::string& g, std::uint64_t rate, std::uint32_t queue, double cpu) {
    host::load_report r{t0, 1'000'000'000, rate, queue, cpu, {}};
    add<host::entity>(g, host::load_reported{r});
    return sim::rebalancing_scenario::score(r, cfg);
  }
  rb::gateway_score scored(const std::string& g, double score) {
    return rb::gateway_score{g, score, score >= cfg.overload_threshold, false, 0};
  }
  void evaluated(std::vector<rb::gateway_score> gs) {
    add<rb::entity>("primary", rb::evaluated{"primary", rb::trigger::on_demand, t0 + 1, 0, std::move(gs), {}});
  }
  rb::planned plan(std::string w, std::string from, std::string to, double weight) {
    return rb::planned{1, {{std::move(w), std::move(from), std::move(to), weight}}, 0, 0, ""};
  }
  std::optional<std::string> check() { return sc.check(log); }
};

} // namespace

BOOST_AUTO_TEST_SUITE(rebalancing_check)

BOOST_AUTO_TEST_CASE(a_move_from_the_busiest_to_the_idlest_passes) {
  fixture f;
  const auto a = f.report("g1", 60 * mib, 2, 0.8), b = f.report("g2", 0, 0, 0), c = f.report("g3", 5 * mib, 0, 0.1);
  f.evaluated({f.scored("g1", a), f.scored("g2", b), f.scored("g3", c)});
  f.add<rb::entity>("primary", f.plan("w1", "g1", "g2", a / 2));
  f.add<cj::entity>("w1", cj::migration_requested{1, "g1", "g2", "rebalance"});
  f.add<cj::entity>("w1", cj::portion_completed{"g1", 1, 0, 1});
  f.add<cj::entity>("w1", cj::assigned{"g2", 2, 0, 1});
  f.add<rb::entity>("primary", rb::moved{1, "w1", "g1", "g2", t0 + 2});
  BOOST_TEST(!f.check().has_value());
}

BOOST_AUTO_TEST_CASE(a_move_to_the_busier_is_found) {
  fixture f;
  const auto a = f.report("g1", 60 * mib, 2, 0.8), b = f.report("g2", 0, 0, 0), c = f.report("g3", 90 * mib, 2, 0.9);
  BOOST_TEST(c > a);
  f.evaluated({f.scored("g1", a), f.scored("g2", b), f.scored("g3", c)});
  f.add<rb::entity>("primary", f.plan("w1", "g1", "g3", 5));
  BOOST_TEST(says(f.check(), "to the busier"));
}

BOOST_AUTO_TEST_CASE(a_move_within_the_threshold_is_found) {
  fixture f;
  const auto a = f.report("g1", 50 * mib, 1, 0.5), b = f.report("g2", 45 * mib, 1, 0.5),
             c = f.report("g3", 48 * mib, 1, 0.5);
  f.evaluated({f.scored("g1", a), f.scored("g2", b), f.scored("g3", c)});
  f.add<rb::entity>("primary", f.plan("w1", "g1", "g2", 1));
  BOOST_TEST(says(f.check(), "within the threshold"));
}

BOOST_AUTO_TEST_CASE(a_move_when_all_are_overloaded_is_found) {
  fixture f;
  const auto a = f.report("g1", 400 * mib, 16, 1), b = f.report("g2", 200 * mib, 16, 1),
             c = f.report("g3", 300 * mib, 16, 1);
  f.evaluated({f.scored("g1", a), f.scored("g2", b), f.scored("g3", c)});
  f.add<rb::entity>("primary", f.plan("w1", "g1", "g2", 10));
  BOOST_TEST(says(f.check(), "every gateway is overloaded"));
}

BOOST_AUTO_TEST_CASE(skipping_while_one_is_not_overloaded_is_found) {
  fixture f;
  const auto a = f.report("g1", 400 * mib, 16, 1), b = f.report("g2", 0, 0, 0);
  f.evaluated({f.scored("g1", a), f.scored("g2", b)});
  f.add<rb::entity>("primary", rb::skipped_all_overloaded{"every gateway is overloaded"});
  BOOST_TEST(says(f.check(), "skipped as all overloaded"));
}

BOOST_AUTO_TEST_CASE(a_score_no_report_gives_and_a_workload_not_on_its_source_are_found) {
  fixture f;
  const auto a = f.report("g1", 60 * mib, 2, 0.8);
  f.report("g2", 0, 0, 0);
  f.evaluated({f.scored("g1", a), f.scored("g2", 3.5)});
  BOOST_TEST(says(f.check(), "none of its fresh load reports"));

  fixture g;
  const auto x = g.report("g1", 60 * mib, 2, 0.8), y = g.report("g2", 0, 0, 0);
  g.evaluated({g.scored("g1", x), g.scored("g2", y)});
  g.add<rb::entity>("primary", g.plan("w1", "g2", "g1", 1));
  BOOST_TEST(says(g.check(), "never ran there"));
}

BOOST_AUTO_TEST_CASE(a_job_on_two_gateways_at_once_is_found) {
  fixture f;
  f.add<cj::entity>("w2", cj::migration_requested{1, "g1", "g2", "rebalance"});
  f.add<cj::entity>("w2", cj::assigned{"g2", 2, 0, 1});
  BOOST_TEST(says(f.check(), "still holds it"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rebalancing_run)

namespace {

struct outcome {
  std::vector<std::string> bytes;
  std::size_t plans = 0, moves = 0, skipped = 0, completed = 0, undecodable = 0;
  std::optional<std::string> violation;
};

// Past any wall clock the direct world stamps its events with (the
// rebalancer's moved events carry the event's time).
constexpr std::int64_t base_ns = 4'000'000'000'000'000'000;

outcome run(std::uint64_t seed, std::uint64_t steps) {
  outcome out;
  sim::rebalancing_scenario sc;
  sim::rng random(seed);
  sim::testing::direct_world world;
  world.host<host::entity, cj::entity, storemesh::services::migration::entity, rb::entity>();
  world.react();
  sim::step_context ctx{random, world.log, base_ns, 0, {}};
  std::vector<storemesh::services::issued_command> cmds;
  sc.setup(ctx, cmds);
  // Odd seeds: a network that loses, repeats and reorders commands.
  sim::rng net_random(seed * 1000);
  const sim::testing::network net = seed % 2 == 1 ? sim::testing::network{60, 40, 100} : sim::testing::network{};
  for (std::uint64_t s = 1; s <= steps && !out.violation; ++s) {
    world.send(cmds, net, net_random);
    if (auto v = sc.check(world.log))
      out.violation = "seed " + std::to_string(seed) + " step " + std::to_string(s) + ": " + *v;
    ctx.step = s;
    ctx.now_ns = base_ns + static_cast<std::int64_t>(s) * 100'000'000;
    sc.step(ctx, cmds);
  }
  out.bytes = world.trace;
  const auto& r = world.state<rb::entity>("primary");
  out.plans = r.plans;
  out.moves = r.moves_done;
  out.undecodable = world.undecodable;
  sim::follow_entity<rb::entity>().poll(world.log, [&](const std::string&, const rb::event& e) {
    out.skipped += std::holds_alternative<rb::skipped_all_overloaded>(e) ? 1 : 0;
  });
  for (int j = 1; j <= 8; ++j)
    out.completed += world.state<cj::entity>("rb-w" + std::to_string(j)).status == cj::job_status::completed ? 1 : 0;
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(the_same_seed_issues_the_same_commands_and_every_one_decodes) {
  auto a = run(7, 150), b = run(7, 150), c = run(8, 150);
  BOOST_TEST(a.undecodable == 0u);
  BOOST_TEST(a.bytes.size() > 10u);
  BOOST_TEST((a.bytes == b.bytes));
  BOOST_TEST((a.bytes != c.bytes));
}

BOOST_AUTO_TEST_CASE(the_site_is_rebalanced_and_no_invariant_breaks) {
  std::size_t plans = 0, moves = 0, skipped = 0, completed = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    auto o = run(seed, 600);
    BOOST_TEST(!o.violation.has_value(), o.violation.value_or(""));
    plans += o.plans;
    moves += o.moves;
    skipped += o.skipped;
    completed += o.completed;
  }
  BOOST_TEST_MESSAGE("plans " << plans << ", moves " << moves << ", skipped as all overloaded " << skipped
                              << ", completed " << completed);
  BOOST_TEST(moves > 10u);
  BOOST_TEST(skipped > 0u);
  BOOST_TEST(completed > 40u);
}

BOOST_AUTO_TEST_SUITE_END()
