// The delivery process manager: given / when / then for every rule and
// refusal code, the dispersal rule at its boundary, reschedules (the choice
// order, stranded slices, an edge that comes back), completion exactly once,
// changes_nothing agreeing with decide, and the questions (due, last_window,
// tolerance, holders).
#include "services/delivery/process.hpp"
#include "services/testing/decider_spec.hpp"

using namespace storemesh::services::delivery::process;
using storemesh::services::delivery::geometry;
using storemesh::services::testing::spec;

namespace storemesh::services::delivery::process {
std::ostream& boost_test_print_type(std::ostream& o, const placement& p) {
  return o << p.segment << "." << p.pillar << "@" << p.edge << " w" << p.window << " crc " << p.crc32c;
}
} // namespace storemesh::services::delivery::process

namespace {

struct decider {
  using state_type = state;
  using command_type = command;
  using event_type = event;
  static state evolve(state s, const event& e) { return storemesh::services::delivery::process::evolve(std::move(s), e); }
  static storemesh::services::decision<event> decide(const state& s, const command& c) {
    return storemesh::services::delivery::process::decide(s, c);
  }
};

// 8192 bytes in segments of 4096: 2 segments of k = 3 data + m = 2 parity slices.
const geometry g{8192, 4096, 3, 2};
const std::vector<std::string> five{"e1", "e2", "e3", "e4", "e5"};

std::uint32_t crc(std::uint32_t seg, std::uint32_t pillar) { return 100 * seg + pillar + 7; }

/// Pillar p of every segment on edge p + 1: five edges, one slice of each segment each.
std::vector<placement> spread() {
  std::vector<placement> out;
  for (std::uint32_t seg = 0; seg < 2; ++seg)
    for (std::uint32_t p = 0; p < 5; ++p)
      out.push_back(placement{seg, p, five[p], p % 2, crc(seg, p)});
  return out;
}

plan planning(std::vector<placement> placements = spread(), std::vector<std::string> edges = five) {
  return plan{"city.north", "film.a", g, std::move(edges), std::move(placements), "rank 1", 10};
}
planned the_plan(std::vector<placement> placements = spread(), std::vector<std::string> edges = five) {
  return planned{"city.north", "film.a", g, std::move(edges), std::move(placements), "rank 1", 10};
}

slice_confirmed confirmed_by(std::uint32_t seg, std::uint32_t p, const std::string& edge, std::int64_t at = 20) {
  return slice_confirmed{seg, p, edge, crc(seg, p), at};
}
confirm confirming(std::uint32_t seg, std::uint32_t p, const std::string& edge, std::int64_t at = 20) {
  return confirm{seg, p, edge, crc(seg, p), at};
}

/// Every slice confirmed by its edge except those on `except`.
std::vector<event> all_confirmed_but(const std::string& except) {
  std::vector<event> out{the_plan()};
  for (const auto& p : spread())
    if (p.edge != except)
      out.push_back(confirmed_by(p.segment, p.pillar, p.edge));
  return out;
}

state state_of(const std::vector<event>& history) {
  state s = initial;
  for (const auto& e : history)
    s = evolve(std::move(s), e);
  return s;
}

std::vector<event> with(std::vector<event> history, std::initializer_list<event> more) {
  history.insert(history.end(), more);
  return history;
}

} // namespace

BOOST_AUTO_TEST_SUITE(delivery_process_plan)

BOOST_AUTO_TEST_CASE(a_plan_is_accepted_once_and_the_same_again_changes_nothing) {
  spec<decider>().when(planning()).then({the_plan()});
  spec<decider>().given({the_plan()}).when(planning()).then({});
  const auto s = state_of({the_plan()});
  BOOST_TEST(s.planned);
  BOOST_TEST(s.slots.size() == 10u);
  BOOST_TEST(s.slots.at({1, 3}).edge == "e4");
  BOOST_TEST(s.slots.at({1, 3}).window == 1u);
  BOOST_TEST(s.slots.at({1, 3}).crc32c == crc(1, 3));
  BOOST_TEST(!s.slots.at({1, 3}).confirmed);
}

BOOST_AUTO_TEST_CASE(another_plan_afterwards_is_already_planned) {
  auto other = spread();
  std::swap(other[0].edge, other[1].edge);
  spec<decider>().given({the_plan()}).when(planning(other)).then_rejected("already_planned");
  auto other_window = spread();
  other_window[0].window = 5;
  spec<decider>().given({the_plan()}).when(planning(other_window)).then_rejected("already_planned");
  auto other_crc = spread();
  other_crc[0].crc32c += 1;
  spec<decider>().given({the_plan()}).when(planning(other_crc)).then_rejected("already_planned");
  auto other_group = planning();
  other_group.group = "city.south";
  spec<decider>().given({the_plan()}).when(other_group).then_rejected("already_planned");
}

BOOST_AUTO_TEST_CASE(the_same_plan_after_a_reschedule_still_changes_nothing) {
  const auto history = with(all_confirmed_but("e1"), {rescheduled{"e1", "down", {move{0, 0, "e1", "e6", 3}}, {}, 30}});
  spec<decider>().given(history).when(planning()).then({});
}

BOOST_AUTO_TEST_CASE(bad_names_geometry_and_placements_are_invalid) {
  auto bad = planning();
  bad.group = "City North";
  spec<decider>().when(bad).then_rejected("invalid");
  bad = planning();
  bad.content = "";
  spec<decider>().when(bad).then_rejected("invalid");
  bad = planning();
  bad.geometry.m = 0;
  spec<decider>().when(bad).then_rejected("invalid");
  bad = planning(spread(), {"e1", "e2", "e3", "e4", "e5", "e2"});
  spec<decider>().when(bad).then_rejected("invalid");  // an edge listed twice
  bad = planning(spread(), {"e1", "e2", "e3", "e4", "E5"});
  spec<decider>().when(bad).then_rejected("invalid");
  auto p = spread();
  p[0].edge = "e9";  // not among the edges
  spec<decider>().when(planning(p)).then_rejected("invalid");
  p = spread();
  p.push_back(placement{2, 0, "e1", 0, 1});  // segment 2 of 2
  spec<decider>().when(planning(p)).then_rejected("invalid");
  p = spread();
  p.push_back(placement{0, 5, "e1", 0, 1});  // pillar 5 of k + m = 5
  spec<decider>().when(planning(p)).then_rejected("invalid");
  p = spread();
  p.push_back(p[3]);  // (0, 3) twice
  spec<decider>().when(planning(p)).then_rejected("invalid");
}

BOOST_AUTO_TEST_CASE(a_segment_with_fewer_than_k_placements_is_not_dispersed) {
  auto p = spread();
  // segment 1 keeps pillars 0 and 1 only: 2 < k = 3
  p.erase(std::remove_if(p.begin(), p.end(), [](const placement& x) { return x.segment == 1 && x.pillar >= 2; }),
          p.end());
  spec<decider>().when(planning(p)).then_rejected("not_dispersed");
  // exactly k placements of each segment suffice
  p = spread();
  p.erase(std::remove_if(p.begin(), p.end(), [](const placement& x) { return x.pillar >= 3; }), p.end());
  spec<decider>().when(planning(p)).then({the_plan(p)});
  // k = 1: one slice is the whole segment, so no edge may hold any: never dispersed
  auto one = planning();
  one.geometry.k = 1;
  one.geometry.m = 4;
  spec<decider>().when(one).then_rejected("not_dispersed");
  // no placement at all for a segment
  p = spread();
  p.erase(std::remove_if(p.begin(), p.end(), [](const placement& x) { return x.segment == 0; }), p.end());
  spec<decider>().when(planning(p)).then_rejected("not_dispersed");
}

BOOST_AUTO_TEST_CASE(an_edge_with_k_slices_of_a_segment_is_refused_and_k_minus_1_accepted) {
  auto p = spread();
  p[1].edge = "e1";  // e1: pillars 0, 1 of segment 0 (k - 1 = 2)
  spec<decider>().when(planning(p)).then({the_plan(p)});
  p[2].edge = "e1";  // e1: pillars 0, 1, 2 of segment 0 (k = 3): e1 alone would rebuild it
  spec<decider>().when(planning(p)).then_rejected("not_dispersed");
  // the same count spread over two segments is fine: the rule is per segment
  p = spread();
  p[1].edge = "e1";
  p[6].edge = "e1";
  spec<decider>().when(planning(p)).then({the_plan(p)});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(delivery_process_confirm)

BOOST_AUTO_TEST_CASE(a_slice_is_confirmed_by_its_edge_with_its_checksum) {
  spec<decider>().given({the_plan()}).when(confirming(0, 2, "e3")).then({confirmed_by(0, 2, "e3")});
  const auto s = state_of({the_plan(), confirmed_by(0, 2, "e3")});
  BOOST_TEST(s.confirmed == 1u);
  BOOST_TEST(s.slots.at({0, 2}).confirmed);
  BOOST_TEST(!s.complete);
}

BOOST_AUTO_TEST_CASE(a_retried_confirmation_changes_nothing) {
  spec<decider>().given({the_plan(), confirmed_by(0, 2, "e3")}).when(confirming(0, 2, "e3", 99)).then({});
}

BOOST_AUTO_TEST_CASE(confirmation_refusals) {
  spec<decider>().when(confirming(0, 2, "e3")).then_rejected("not_planned");
  spec<decider>().given({the_plan()}).when(confirming(2, 0, "e1")).then_rejected("not_placed");
  spec<decider>().given({the_plan()}).when(confirming(0, 2, "e4")).then_rejected("wrong_edge");
  auto corrupted = confirming(0, 2, "e3");
  corrupted.crc32c ^= 1;
  spec<decider>().given({the_plan()}).when(corrupted).then_rejected("checksum_mismatch");
  // a confirmed slice reported again with another checksum is not a retry
  spec<decider>().given({the_plan(), confirmed_by(0, 2, "e3")}).when(corrupted).then_rejected("checksum_mismatch");
}

BOOST_AUTO_TEST_CASE(the_last_confirmation_completes_the_delivery_exactly_once) {
  auto history = all_confirmed_but("e5");
  spec<decider>().given(history).when(confirming(0, 4, "e5", 40)).then({confirmed_by(0, 4, "e5", 40)});
  history.push_back(confirmed_by(0, 4, "e5", 40));
  spec<decider>()
      .given(history)
      .when(confirming(1, 4, "e5", 41))
      .then({confirmed_by(1, 4, "e5", 41), completed{41}});
  history.push_back(confirmed_by(1, 4, "e5", 41));
  history.push_back(completed{41});
  const auto s = state_of(history);
  BOOST_TEST(s.complete);
  BOOST_TEST(s.completed_ns == 41);
  BOOST_TEST(s.confirmed == 10u);
  // every confirmation again, in any order: nothing more, no second completion
  for (const auto& p : spread())
    BOOST_TEST(decide(s, confirming(p.segment, p.pillar, p.edge, 50)).events.empty());
}

BOOST_AUTO_TEST_CASE(confirming_every_slice_yields_one_completion) {
  state s = state_of({the_plan()});
  int completions = 0;
  for (int round = 0; round < 2; ++round)
    for (const auto& p : spread()) {
      auto d = decide(s, confirming(p.segment, p.pillar, p.edge));
      BOOST_REQUIRE(d.accepted());
      for (const auto& e : d.events) {
        completions += std::holds_alternative<completed>(e);
        s = evolve(std::move(s), e);
      }
    }
  BOOST_TEST(completions == 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(delivery_process_reschedule)

BOOST_AUTO_TEST_CASE(a_lost_edges_unconfirmed_slices_go_first_to_a_candidate_holding_none_of_the_segment) {
  // e2 is listed first but holds a slice of each segment; e6 holds none.
  spec<decider>()
      .given({the_plan(), confirmed_by(0, 0, "e1")})
      .when(reschedule{"e1", "down", {"e2", "e6"}, 4, 30})
      .then({rescheduled{"e1", "down", {move{1, 0, "e1", "e6", 4}}, {}, 30}});
  const auto s = state_of({the_plan(), confirmed_by(0, 0, "e1"),
                           rescheduled{"e1", "down", {move{1, 0, "e1", "e6", 4}}, {}, 30}});
  BOOST_TEST(s.slots.at({1, 0}).edge == "e6");
  BOOST_TEST(s.slots.at({1, 0}).window == 4u);
  BOOST_TEST(s.slots.at({0, 0}).edge == "e1");  // confirmed: it stays
  BOOST_TEST(s.rescheduled == 1u);
  BOOST_TEST(s.edges.back() == "e6");
  BOOST_TEST(s.edges.size() == 6u);
}

BOOST_AUTO_TEST_CASE(with_every_candidate_holding_some_it_goes_to_the_first_staying_below_k) {
  // e2 holds 2 slices of segment 0 (k - 1: one more would make k), e3 holds 1.
  auto p = spread();
  p[4].edge = "e2";  // e2 holds pillars 1 and 4 of segment 0
  const auto history = std::vector<event>{the_plan(p)};
  spec<decider>()
      .given(history)
      .when(reschedule{"e1", "down", {"e1", "e2", "e3"}, 2, 30})  // e1 itself is skipped
      .then({rescheduled{"e1", "down", {move{0, 0, "e1", "e3", 2}, move{1, 0, "e1", "e2", 2}}, {}, 30}});
}

BOOST_AUTO_TEST_CASE(moves_in_one_reschedule_count_each_other) {
  // e1 holds pillars 0 and 1 of segment 0; the only candidate e6 can take one (then 1 < k) and
  // a second (2 < k), but never a third.
  auto p = spread();
  p[1].edge = "e1";
  spec<decider>()
      .given({the_plan(p)})
      .when(reschedule{"e1", "down", {"e6"}, 2, 30})
      .then({rescheduled{"e1", "down", {move{0, 0, "e1", "e6", 2}, move{0, 1, "e1", "e6", 2}, move{1, 0, "e1", "e6", 2}}, {}, 30}});
  // with e6 holding 1 of segment 0 already (after a first move), the next two slices of segment 0: one fits
  auto q = spread();
  q[1].edge = "e1";
  q[2].edge = "e6";
  spec<decider>()
      .given({the_plan(q, {"e1", "e2", "e3", "e4", "e5", "e6"})})
      .when(reschedule{"e1", "down", {"e6"}, 2, 30})
      .then({rescheduled{"e1", "down", {move{0, 0, "e1", "e6", 2}, move{1, 0, "e1", "e6", 2}}, {{0, 1}}, 30}});
}

BOOST_AUTO_TEST_CASE(with_no_candidate_that_keeps_the_rule_a_slice_is_stranded) {
  // each of e2, e3 holds 2 slices of segment 0: none can take a third
  auto p = spread();
  p[3].edge = "e2";  // e2: pillars 1, 3
  p[4].edge = "e3";  // e3: pillars 2, 4
  spec<decider>()
      .given({the_plan(p)})
      .when(reschedule{"e1", "down", {"e2", "e3"}, 2, 30})
      .then({rescheduled{"e1", "down", {move{1, 0, "e1", "e2", 2}}, {{0, 0}}, 30}});
  // no candidate at all: nothing can move, so nothing changes (the slices stay e1's, due when it is back)
  spec<decider>().given({the_plan()}).when(reschedule{"e1", "down", {}, 2, 30}).then({});
  spec<decider>().given({the_plan()}).when(reschedule{"e1", "down", {"e1"}, 2, 30}).then({});
}

BOOST_AUTO_TEST_CASE(a_stranded_slice_is_confirmed_later_by_the_edge_that_came_back) {
  const auto history = std::vector<event>{the_plan(), rescheduled{"e1", "down", {move{1, 0, "e1", "e6", 2}}, {{0, 0}}, 30}};
  spec<decider>().given(history).when(confirming(0, 0, "e1", 40)).then({confirmed_by(0, 0, "e1", 40)});
  const auto s = state_of(history);
  BOOST_TEST(due(s, "e1", 0).size() == 1u);  // the stranded slice is still e1's to receive
  BOOST_TEST(s.slots.at({0, 0}).edge == "e1");
}

BOOST_AUTO_TEST_CASE(an_edge_that_comes_back_cannot_confirm_a_slice_moved_away) {
  // e1 went down, its slices moved to e6; e1 comes back and reports the old slice: refused,
  // so the runner never counts (or sends) it twice; e6's confirmation is the one taken.
  const auto history = std::vector<event>{
      the_plan(), rescheduled{"e1", "down", {move{0, 0, "e1", "e6", 2}, move{1, 0, "e1", "e6", 2}}, {}, 30}};
  spec<decider>().given(history).when(confirming(0, 0, "e1", 40)).then_rejected("wrong_edge");
  spec<decider>().given(history).when(confirming(0, 0, "e6", 40)).then({confirmed_by(0, 0, "e6", 40)});
  const auto s = state_of(history);
  BOOST_TEST(due(s, "e1", 100).empty());  // nothing is sent to e1 again
  BOOST_TEST(due(s, "e6", 100).size() == 2u);
}

BOOST_AUTO_TEST_CASE(nothing_unconfirmed_on_the_edge_changes_nothing) {
  spec<decider>().given(all_confirmed_but("")).when(reschedule{"e1", "down", {"e6"}, 2, 30}).then({});
  // after its slices moved away, rescheduling the same edge again moves nothing
  spec<decider>()
      .given({the_plan(), rescheduled{"e1", "down", {move{0, 0, "e1", "e6", 2}, move{1, 0, "e1", "e6", 2}}, {}, 30}})
      .when(reschedule{"e1", "down", {"e6"}, 2, 31})
      .then({});
}

BOOST_AUTO_TEST_CASE(reschedule_refusals) {
  spec<decider>().when(reschedule{"e1", "down", {"e6"}, 2, 30}).then_rejected("not_planned");
  spec<decider>().given({the_plan()}).when(reschedule{"e9", "down", {"e6"}, 2, 30}).then_rejected("unknown_edge");
  spec<decider>().given({the_plan()}).when(reschedule{"E1", "down", {"e6"}, 2, 30}).then_rejected("invalid");
  spec<decider>().given({the_plan()}).when(reschedule{"e1", "down", {"e 6"}, 2, 30}).then_rejected("invalid");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(delivery_process_questions)

BOOST_AUTO_TEST_CASE(changes_nothing_agrees_with_decide) {
  auto other = spread();
  std::swap(other[0].edge, other[1].edge);
  auto corrupted = confirming(0, 2, "e3");
  corrupted.crc32c ^= 1;
  auto bad_plan = planning();
  bad_plan.group = "";
  const std::vector<command> commands{
      planning(), planning(other), bad_plan, confirming(0, 2, "e3"), confirming(0, 2, "e4"), confirming(0, 0, "e1"),
      confirming(0, 0, "e6"), confirming(2, 0, "e1"), corrupted, reschedule{"e1", "down", {"e6"}, 2, 30},
      reschedule{"e9", "down", {"e6"}, 2, 30}, reschedule{"e1", "down", {"e 6"}, 2, 30},
      reschedule{"e6", "down", {"e2"}, 2, 30}};
  const std::vector<std::vector<event>> histories{
      {},
      {the_plan()},
      {the_plan(), confirmed_by(0, 2, "e3")},
      all_confirmed_but(""),
      {the_plan(), rescheduled{"e1", "down", {move{0, 0, "e1", "e6", 2}, move{1, 0, "e1", "e6", 2}}, {}, 30}},
      {the_plan(), rescheduled{"e1", "down", {move{0, 0, "e1", "e6", 2}}, {{1, 0}}, 30}, confirmed_by(0, 0, "e6")},
  };
  int nothing = 0, something = 0, refused = 0;
  for (const auto& h : histories)
    for (const auto& c : commands) {
      const auto s = state_of(h);
      const auto d = decide(s, c);
      const bool none = d.accepted() && d.events.empty();
      BOOST_TEST(changes_nothing(s, c) == none);
      nothing += none;
      something += d.accepted() && !none;
      refused += !d.accepted();
    }
  // the table covers all three outcomes
  BOOST_TEST(nothing >= 5);
  BOOST_TEST(something >= 5);
  BOOST_TEST(refused >= 5);
}

BOOST_AUTO_TEST_CASE(due_lists_an_edges_unconfirmed_slices_up_to_a_window) {
  const auto s = state_of({the_plan(), confirmed_by(0, 1, "e2")});
  // e2 holds pillar 1 of both segments, window 1; (0, 1) is confirmed
  BOOST_TEST(due(s, "e2", 0).empty());
  const auto d = due(s, "e2", 1);
  BOOST_REQUIRE_EQUAL(d.size(), 1u);
  BOOST_TEST(d[0] == (placement{1, 1, "e2", 1, crc(1, 1)}));
  const auto e1 = due(s, "e1", 0);  // window 0: both segments, in order
  BOOST_REQUIRE_EQUAL(e1.size(), 2u);
  BOOST_TEST(e1[0].segment == 0u);
  BOOST_TEST(e1[1].segment == 1u);
  BOOST_TEST(due(s, "e9", 9).empty());
}

BOOST_AUTO_TEST_CASE(last_window_is_the_latest_an_unconfirmed_slice_waits_for) {
  BOOST_TEST(last_window(initial) == 0u);
  BOOST_TEST(last_window(state_of({the_plan()})) == 1u);
  // windows 1 (pillars 1, 3) all confirmed: 0 left
  auto h = std::vector<event>{the_plan()};
  for (std::uint32_t seg = 0; seg < 2; ++seg)
    for (std::uint32_t p : {1u, 3u})
      h.push_back(confirmed_by(seg, p, five[p]));
  BOOST_TEST(last_window(state_of(h)) == 0u);
  h.push_back(rescheduled{"e1", "down", {move{0, 0, "e1", "e6", 7}}, {}, 30});
  BOOST_TEST(last_window(state_of(h)) == 7u);
}

BOOST_AUTO_TEST_CASE(tolerance_counts_the_edges_that_may_be_lost) {
  // k = 3, m = 2 on 5 edges, one slice of each segment each: any 2 may go
  BOOST_TEST(tolerance(state_of(all_confirmed_but(""))) == 2);
  // one edge's slices unconfirmed: 4 left, 1 may go
  BOOST_TEST(tolerance(state_of(all_confirmed_but("e5"))) == 1);
  // fewer than k confirmed of some segment
  auto h = std::vector<event>{the_plan(), confirmed_by(0, 0, "e1"), confirmed_by(0, 1, "e2"), confirmed_by(0, 2, "e3"),
                              confirmed_by(1, 0, "e1"), confirmed_by(1, 1, "e2")};
  BOOST_TEST(tolerance(state_of(h)) == -1);
  h.push_back(confirmed_by(1, 2, "e3"));
  BOOST_TEST(tolerance(state_of(h)) == 0);  // exactly k everywhere
  BOOST_TEST(tolerance(state_of({the_plan()})) == -1);
  BOOST_TEST(tolerance(initial) == -1);
}

BOOST_AUTO_TEST_CASE(an_edge_holding_two_slices_of_a_segment_counts_as_two) {
  // e1 holds pillars 0 and 1 of segment 0 (k - 1), e3, e4, e5 one each: 5 confirmed. Losing e1 leaves 3 = k;
  // losing e1 and any other leaves 2: tolerance 1 (where one slice per edge would give 2).
  auto p = spread();
  p[1].edge = "e1";
  std::vector<event> h{the_plan(p)};
  for (const auto& x : p)
    h.push_back(confirmed_by(x.segment, x.pillar, x.edge));
  const auto s = state_of(h);
  BOOST_TEST(tolerance(s) == 1);
  const auto held = holders(s, 0);
  BOOST_REQUIRE_EQUAL(held.size(), 4u);
  BOOST_TEST(held.at("e1") == (std::vector<std::uint32_t>{0, 1}));
  BOOST_TEST(held.count("e2") == 0u);
  BOOST_TEST(holders(s, 1).size() == 5u);
}

BOOST_AUTO_TEST_CASE(holders_are_the_edges_with_confirmed_slices_of_a_segment) {
  const auto s = state_of({the_plan(), confirmed_by(0, 0, "e1"), confirmed_by(0, 3, "e4"), confirmed_by(1, 2, "e3")});
  const auto h0 = holders(s, 0);
  BOOST_REQUIRE_EQUAL(h0.size(), 2u);
  BOOST_TEST(h0.at("e1") == (std::vector<std::uint32_t>{0}));
  BOOST_TEST(h0.at("e4") == (std::vector<std::uint32_t>{3}));
  BOOST_TEST(holders(s, 1).size() == 1u);
  BOOST_TEST(holders(s, 2).empty());
}

BOOST_AUTO_TEST_SUITE_END()
