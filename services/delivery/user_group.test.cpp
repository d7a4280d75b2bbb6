// The user group entity: given / when / then for every rule and refusal code.
#include "services/delivery/user_group.hpp"
#include "services/testing/decider_spec.hpp"

using namespace storemesh::services::delivery::user_group;
using storemesh::services::delivery::location;
using storemesh::services::testing::spec;

namespace {

/// The decider as decider_spec wants it (the codec's entity adds the log side).
struct decider {
  using state_type = state;
  using command_type = command;
  using event_type = event;
  static state evolve(state s, const event& e) { return storemesh::services::delivery::user_group::evolve(std::move(s), e); }
  static storemesh::services::decision<event> decide(const state& s, const command& c) {
    return storemesh::services::delivery::user_group::decide(s, c);
  }
};

const location here{100, -20};
const added group_added{here, 40, 1};

} // namespace

BOOST_AUTO_TEST_SUITE(delivery_user_group)

BOOST_AUTO_TEST_CASE(a_group_is_added_once_and_the_same_again_changes_nothing) {
  spec<decider>().when(add{here, 40, 1}).then({group_added});
  spec<decider>().given({group_added}).when(add{here, 40, 9}).then({});
  auto t = spec<decider>().given({group_added});
  BOOST_TEST(t.current().exists);
  BOOST_TEST(t.current().devices == 40u);
  BOOST_TEST((t.current().at == here));
}

BOOST_AUTO_TEST_CASE(adding_it_again_differently_is_already_added) {
  spec<decider>().given({group_added}).when(add{location{101, -20}, 40, 9}).then_rejected("already_added");
  spec<decider>().given({group_added}).when(add{here, 41, 9}).then_rejected("already_added");
}

BOOST_AUTO_TEST_CASE(a_group_without_devices_is_invalid) {
  spec<decider>().when(add{here, 0, 1}).then_rejected("invalid");
}

BOOST_AUTO_TEST_CASE(each_request_is_recorded_and_counted) {
  // Asking for the same content twice is two requests: the history, not a set.
  spec<decider>().given({group_added}).when(record_request{"film.a", 50}).then_each_time({requested{"film.a", 50}});
  auto t = spec<decider>().given({group_added, requested{"film.a", 50}, requested{"film.b", 30}});
  BOOST_TEST(t.current().requests == 2u);
  BOOST_TEST(t.current().last_request_ns == 50);  // the latest, though recorded before the other
}

BOOST_AUTO_TEST_CASE(a_request_needs_a_known_group_a_content_name_and_a_time) {
  spec<decider>().when(record_request{"film.a", 50}).then_rejected("unknown_group");
  spec<decider>().given({group_added}).when(record_request{"Film A", 50}).then_rejected("invalid");
  spec<decider>().given({group_added}).when(record_request{"", 50}).then_rejected("invalid");
  spec<decider>().given({group_added}).when(record_request{"film.a", 0}).then_rejected("invalid");
  spec<decider>().given({group_added}).when(record_request{"film.a", -5}).then_rejected("invalid");
}

BOOST_AUTO_TEST_SUITE_END()
