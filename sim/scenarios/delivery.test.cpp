// The delivery scenario: check() finds each violation it claims to find in a
// hand-built history (and passes the correct one beside it), and the
// scenario's operator, edges and runner, with every command decided at once
// by the real deciders, plan, confirm, lose edges and reschedule with no
// violation, the same commands for the same seed.
#include "services/delivery/content_codec.hpp"
#include "services/delivery/edge_unit_codec.hpp"
#include "services/delivery/process_codec.hpp"
#include "services/delivery/user_group_codec.hpp"
#include "sim/scenarios/delivery_invariant.hpp"
#include "sim/scenarios/direct_world.hpp"
#include "sim/scenarios/says.hpp"
#include "sim/test_records.hpp"
#include "sim/scenarios/scenarios.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

using namespace storemesh;
namespace dl = services::delivery;
namespace pr = dl::process;
using sim::testing::says;

namespace {

const std::string d1 = "g1:c1";

/// RS(2,1), two segments: pillars 0..2 of segments 0 and 1, one per edge on e1..e3.
pr::planned two_segments() {
  pr::planned p;
  p.group = "g1";
  p.content = "c1";
  p.geometry = dl::geometry{8000, 4096, 2, 1};
  p.edges = {"e1", "e2", "e3"};
  for (std::uint32_t s = 0; s < 2; ++s)
    for (std::uint32_t j = 0; j < 3; ++j)
      p.placements.push_back(pr::placement{s, j, p.edges[(s + j) % 3], 0, 100 * s + j});
  return p;
}

struct history {
  sim::test_log log;
  sim::testing::test_records records;
  sim::delivery_invariant inv;

  history& add(const pr::event& e) {
    records.event<pr::entity>(log, d1, e);
    return *this;
  }
  history& confirm(std::uint32_t s, std::uint32_t j, std::string edge, std::uint32_t crc) {
    return add(pr::slice_confirmed{s, j, std::move(edge), crc, 1});
  }
  /// Every slice of two_segments() confirmed where it was planned.
  history& confirm_all() {
    for (const auto& p : two_segments().placements)
      confirm(p.segment, p.pillar, p.edge, p.crc32c);
    return *this;
  }
  std::optional<std::string> check() { return inv.advance(log); }
};


} // namespace

BOOST_AUTO_TEST_SUITE(sim_delivery_check)

BOOST_AUTO_TEST_CASE(a_dispersed_plan_confirmed_and_completed_passes) {
  history h;
  h.add(two_segments()).confirm_all().add(pr::completed{2});
  BOOST_TEST(!h.check());
}

BOOST_AUTO_TEST_CASE(a_plan_with_k_slices_of_a_segment_on_one_edge_is_found) {
  auto p = two_segments();
  p.placements[1].edge = "e1";  // segment 0: pillars 0 and 1 on e1, k = 2
  history h;
  h.add(p);
  BOOST_TEST(says(h.check(), "edge 'e1' holds 2 slices of segment 0"));
}

BOOST_AUTO_TEST_CASE(a_plan_leaving_a_segment_short_of_k_is_found) {
  auto p = two_segments();
  p.placements.erase(p.placements.begin() + 3, p.placements.begin() + 5);  // segment 1 keeps one
  history h;
  h.add(p);
  BOOST_TEST(says(h.check(), "segment 1 has 1 placements, fewer than k = 2"));
}

BOOST_AUTO_TEST_CASE(a_confirm_with_another_crc_or_from_another_edge_is_found) {
  history crc;
  crc.add(two_segments()).confirm(0, 1, "e2", 2);
  BOOST_TEST(says(crc.check(), "confirmed with CRC32C 2, the plan's is 1"));

  history edge;
  edge.add(two_segments()).confirm(0, 1, "e3", 1);
  BOOST_TEST(says(edge.check(), "confirmed by 'e3' but placed on 'e2'"));

  history unplaced;
  unplaced.add(two_segments()).confirm(5, 0, "e1", 0);
  BOOST_TEST(says(unplaced.check(), "confirmed but not placed"));

  history twice;
  twice.add(two_segments()).confirm(0, 1, "e2", 1).confirm(0, 1, "e2", 1);
  BOOST_TEST(says(twice.check(), "confirmed twice"));
}

BOOST_AUTO_TEST_CASE(a_reschedule_that_keeps_dispersal_passes_and_one_that_breaks_it_is_found) {
  // e2 lost: its unconfirmed 0.1 goes to e4 (none of segment 0 there), and
  // the confirmation then comes from e4.
  history ok;
  ok.add(two_segments()).confirm(0, 0, "e1", 0);
  ok.add(pr::rescheduled{"e2", "down", {pr::move{0, 1, "e2", "e4", 1}, pr::move{1, 0, "e2", "e4", 1}}, {}, 2});
  ok.confirm(0, 1, "e4", 1);
  BOOST_TEST(!ok.check());

  history bad;
  bad.add(two_segments());
  bad.add(pr::rescheduled{"e2", "down", {pr::move{0, 1, "e2", "e1", 1}}, {}, 2});  // e1 holds 0.0 already
  BOOST_TEST(says(bad.check(), "edge 'e1' holds 2 slices of segment 0"));
}

BOOST_AUTO_TEST_CASE(a_moved_confirmed_slice_and_a_confirm_at_the_old_edge_are_found) {
  history moved;
  moved.add(two_segments()).confirm(0, 1, "e2", 1);
  moved.add(pr::rescheduled{"e2", "down", {pr::move{0, 1, "e2", "e4", 1}}, {}, 2});
  BOOST_TEST(says(moved.check(), "moved away from 'e2' after it was confirmed there"));

  history old;
  old.add(two_segments());
  old.add(pr::rescheduled{"e2", "down", {pr::move{0, 1, "e2", "e4", 1}}, {}, 2});
  old.confirm(0, 1, "e2", 1);  // e2 came back: the slice is no longer its own
  BOOST_TEST(says(old.check(), "confirmed by 'e2' but placed on 'e4'"));

  history other;
  other.add(two_segments());
  other.add(pr::rescheduled{"e2", "down", {pr::move{0, 0, "e1", "e4", 1}}, {}, 2});
  BOOST_TEST(says(other.check(), "by a reschedule of 'e2'"));
}

BOOST_AUTO_TEST_CASE(completion_before_every_slice_is_confirmed_or_twice_is_found) {
  history early;
  early.add(two_segments()).confirm(0, 0, "e1", 0).confirm(0, 1, "e2", 1).add(pr::completed{2});
  BOOST_TEST(says(early.check(), "completed with slice 0.2 on 'e3' unconfirmed"));

  history twice;
  twice.add(two_segments()).confirm_all().add(pr::completed{2}).add(pr::completed{3});
  BOOST_TEST(says(twice.check(), "completed twice"));

  history replanned;
  replanned.add(two_segments()).add(two_segments());
  BOOST_TEST(says(replanned.check(), "planned a second time"));
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

/// The delivery process with its CRC check skipped: an edge's word is taken.
struct crc_blind : pr::entity {
  static services::decision<pr::event> decide(const pr::state& s, const pr::command& c) {
    auto d = pr::decide(s, c);
    if (d.accepted() || d.why().code != "checksum_mismatch")
      return d;
    const auto& x = std::get<pr::confirm>(c);
    return services::decision<pr::event>::accept(pr::slice_confirmed{x.segment, x.pillar, x.edge, x.crc32c, x.at_ns});
  }
};

/// The delivery process with its dispersal rule skipped.
struct dispersal_blind : pr::entity {
  static services::decision<pr::event> decide(const pr::state& s, const pr::command& c) {
    auto d = pr::decide(s, c);
    if (d.accepted() || d.why().code != "not_dispersed")
      return d;
    const auto& x = std::get<pr::plan>(c);
    return services::decision<pr::event>::accept(
        pr::planned{x.group, x.content, x.geometry, x.edges, x.placements, x.reason, x.at_ns});
  }
};

/// A world in which Delivery decides the delivery processes.
template <class Delivery = pr::entity>
struct world : sim::testing::direct_world {
  world() { host<Delivery, dl::edge_unit::entity, dl::content::entity, dl::user_group::entity>(); }
};

template <class Delivery>
int seeds_found(const std::string& what) {
  int found = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    world<Delivery> w;
    auto s = sim::make_scenario("delivery");
    w.run(*s, seed, 300);
    if (w.violation) {
      BOOST_TEST_MESSAGE("seed " << seed << ": " << *w.violation);
      found += w.violation->find(what) != std::string::npos;
    }
  }
  return found;
}

} // namespace

BOOST_AUTO_TEST_SUITE(sim_delivery_scenario)


BOOST_AUTO_TEST_CASE(deciders_with_a_check_skipped_are_caught) {
  BOOST_TEST(seeds_found<crc_blind>("the plan's is") >= 10);
  BOOST_TEST(seeds_found<dispersal_blind>("segment") >= 10);
}

BOOST_AUTO_TEST_CASE(the_same_seed_issues_the_same_commands_and_they_decode) {
  world<> a, b, c;
  auto sa = sim::make_scenario("delivery");
  auto sb = sim::make_scenario("delivery");
  auto sc = sim::make_scenario("delivery");
  BOOST_REQUIRE(sa && sb && sc);
  a.run(*sa, 42, 200);
  b.run(*sb, 42, 200);
  c.run(*sc, 43, 200);
  BOOST_TEST(a.undecodable == 0u);
  BOOST_TEST(a.trace.size() > 50u);
  BOOST_TEST((a.trace == b.trace));
  BOOST_TEST((a.trace != c.trace));
}

BOOST_DATA_TEST_CASE(operator_edges_and_runner_deliver_and_reschedule_with_no_violation,
                     boost::unit_test::data::make({false, true}), shuffled) {
  // shuffled: commands lost and overtaken on the way; the agents send again.
  std::map<std::string, std::size_t> rejected;
  std::map<std::string, int> seen;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    world<> w;
    auto s = sim::make_scenario("delivery");
    w.run(*s, seed, 300, shuffled);
    BOOST_TEST(!w.violation, "seed " << seed << ": " << w.violation.value_or(""));
    BOOST_TEST(w.undecodable == 0u);
    for (const auto& [code, n] : w.rejected)
      rejected[code] += n;
    for (std::size_t i = 0; i < w.log.size(); ++i) {
      const auto& env = w.log.at(i).env;
      if (!pr::entity::is_event(env->reader()))
        continue;
      auto e = pr::entity::read_event(env->reader());
      BOOST_REQUIRE(e);
      std::visit(services::overloaded{
                     [&](const pr::planned&) { ++seen["planned"]; },
                     [&](const pr::slice_confirmed&) { ++seen["slice_confirmed"]; },
                     [&](const pr::rescheduled& r) { seen["moved"] += static_cast<int>(r.moves.size()); },
                     [&](const pr::completed&) { ++seen["completed"]; },
                 },
                 e.value());
    }
  }
  for (const auto& [what, n] : seen)
    BOOST_TEST_MESSAGE("  " << what << ": " << n);
  for (const auto& [code, n] : rejected)
    BOOST_TEST_MESSAGE("  rejected " << code << ": " << n);
  for (const auto* what : {"planned", "slice_confirmed", "moved", "completed"})
    BOOST_TEST(seen[what] > 0, what);
  for (const auto* code : {"not_dispersed", "already_planned", "checksum_mismatch", "wrong_edge", "unknown_edge"})
    BOOST_TEST(rejected[code] > 0, code);
}

BOOST_AUTO_TEST_SUITE_END()
