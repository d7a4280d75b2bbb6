// The edge unit entity: given / when / then for every rule and refusal code,
// and changes_nothing agreeing with decide.
#include "services/delivery/edge_unit.hpp"
#include "services/testing/decider_spec.hpp"

using namespace storemesh::services::delivery::edge_unit;
using storemesh::services::delivery::location;
using storemesh::services::testing::spec;

namespace {

struct decider {
  using state_type = state;
  using command_type = command;
  using event_type = event;
  static state evolve(state s, const event& e) { return storemesh::services::delivery::edge_unit::evolve(std::move(s), e); }
  static storemesh::services::decision<event> decide(const state& s, const command& c) {
    return storemesh::services::delivery::edge_unit::decide(s, c);
  }
};

const location here{5, 5};
const attach attaching{"127.0.0.1:4100", role::edge, here, 1000000, 50000, 1};
const attached edge_attached{"127.0.0.1:4100", role::edge, here, 1000000, 50000, 1};
const reported went_down{false, 0, "connection refused at 127.0.0.1:4100", 3};

state state_of(const std::vector<event>& history) {
  state s = initial;
  for (const auto& e : history)
    s = evolve(std::move(s), e);
  return s;
}

} // namespace

BOOST_AUTO_TEST_SUITE(delivery_edge_unit)

BOOST_AUTO_TEST_CASE(an_edge_attaches_up_with_its_capacity_free) {
  spec<decider>().when(attaching).then({edge_attached});
  const auto s = state_of({edge_attached});
  BOOST_TEST(s.attached);
  BOOST_TEST(s.up);
  BOOST_TEST(s.free_bytes == 1000000u);
}

BOOST_AUTO_TEST_CASE(attaching_again_unchanged_is_no_event_but_any_change_is) {
  auto later = attaching;
  later.at_ns = 9;
  spec<decider>().given({edge_attached}).when(later).then({});
  auto moved = later;
  moved.endpoint = "127.0.0.1:4101";
  spec<decider>().given({edge_attached}).when(moved).then({attached{"127.0.0.1:4101", role::edge, here, 1000000, 50000, 9}});
  auto bigger = later;
  bigger.capacity_bytes = 2000000;
  spec<decider>().given({edge_attached}).when(bigger).then({attached{"127.0.0.1:4100", role::edge, here, 2000000, 50000, 9}});
  auto faster = later;
  faster.window_bytes = 60000;
  spec<decider>().given({edge_attached}).when(faster).then({attached{"127.0.0.1:4100", role::edge, here, 1000000, 60000, 9}});
  auto elsewhere = later;
  elsewhere.at = location{6, 5};
  spec<decider>().given({edge_attached}).when(elsewhere).then({attached{"127.0.0.1:4100", role::edge, location{6, 5}, 1000000, 50000, 9}});
}

BOOST_AUTO_TEST_CASE(an_edge_that_was_down_and_attaches_again_comes_back_up) {
  auto later = attaching;
  later.at_ns = 9;
  spec<decider>().given({edge_attached, went_down}).when(later).then({attached{"127.0.0.1:4100", role::edge, here, 1000000, 50000, 9}});
  const auto s = state_of({edge_attached, went_down, attached{"127.0.0.1:4100", role::edge, here, 1000000, 50000, 9}});
  BOOST_TEST(s.up);
  BOOST_TEST(s.reason.empty());
}

BOOST_AUTO_TEST_CASE(an_origin_needs_no_capacity_or_window) {
  const attach origin{"127.0.0.1:4000", role::origin, here, 0, 0, 1};
  spec<decider>().when(origin).then({attached{"127.0.0.1:4000", role::origin, here, 0, 0, 1}});
  BOOST_TEST(to_string(role::origin) == "origin");
  BOOST_TEST(to_string(role::edge) == "edge");
}

BOOST_AUTO_TEST_CASE(a_bad_endpoint_or_an_edge_without_capacity_or_window_is_invalid) {
  auto bad = attaching;
  bad.endpoint = "nowhere";
  spec<decider>().when(bad).then_rejected("invalid");
  bad = attaching;
  bad.capacity_bytes = 0;
  spec<decider>().when(bad).then_rejected("invalid");
  bad = attaching;
  bad.window_bytes = 0;
  spec<decider>().when(bad).then_rejected("invalid");
  bad = attaching;
  bad.role = static_cast<role>(7);
  spec<decider>().when(bad).then_rejected("invalid");
}

BOOST_AUTO_TEST_CASE(a_report_is_an_event_only_when_it_changes_something) {
  spec<decider>().given({edge_attached}).when(report{false, 0, went_down.reason, 3}).then({went_down});
  spec<decider>().given({edge_attached, went_down}).when(report{false, 0, went_down.reason, 8}).then({});
  spec<decider>().given({edge_attached}).when(report{true, 900000, "", 4}).then({reported{true, 900000, "", 4}});
  spec<decider>().given({edge_attached}).when(report{true, 1000000, "", 4}).then({});  // as attached: all free, up
  const auto s = state_of({edge_attached, reported{true, 900000, "", 4}});
  BOOST_TEST(s.free_bytes == 900000u);
  BOOST_TEST(s.changed_ns == 4);
}

BOOST_AUTO_TEST_CASE(a_report_before_attach_is_not_attached) {
  spec<decider>().when(report{true, 5, "", 1}).then_rejected("not_attached");
}

BOOST_AUTO_TEST_CASE(changes_nothing_agrees_with_decide) {
  auto later = attaching;
  later.at_ns = 9;
  auto moved = later;
  moved.endpoint = "127.0.0.1:4101";
  auto bad = later;
  bad.capacity_bytes = 0;
  const std::vector<command> commands{attaching, later, moved, bad, report{false, 0, went_down.reason, 8},
                                      report{true, 1000000, "", 4}, report{true, 7, "", 4}};
  const std::vector<std::vector<event>> histories{{}, {edge_attached}, {edge_attached, went_down}};
  int none = 0;
  for (const auto& h : histories)
    for (const auto& c : commands) {
      const auto s = state_of(h);
      const auto d = decide(s, c);
      const bool nothing = d.accepted() && d.events.empty();
      BOOST_TEST(changes_nothing(s, c) == nothing);
      none += nothing;
    }
  BOOST_TEST(none >= 3);  // the cases include some that change nothing
}

BOOST_AUTO_TEST_SUITE_END()
