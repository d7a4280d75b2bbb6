#pragma once
// given / when / then for deciders, plus the property every decider gets:
// once the decided events are applied, the same command decides nothing new.
//
//   spec<host::entity>()
//     .given({registered{{ds}}})
//     .when(set_state{host_state::draining, "maintenance"})
//     .then({state_changed{host_state::up, host_state::draining, "maintenance"}});

#include "services/decision.hpp"

#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace storemesh::services::testing {

template <class Entity>
class spec {
public:
  using state = typename Entity::state_type;
  using command = typename Entity::command_type;
  using event = typename Entity::event_type;

  spec& given(std::vector<event> history) {
    for (const auto& e : history)
      state_ = Entity::evolve(std::move(state_), e);
    return *this;
  }

  spec& when(command c) {
    command_ = std::move(c);
    return *this;
  }

  /// The command is accepted with exactly these events, and deciding it again
  /// on the resulting state yields no event.
  void then(const std::vector<event>& expected) {
    BOOST_REQUIRE(command_.has_value());
    auto d = Entity::decide(state_, *command_);
    BOOST_REQUIRE_MESSAGE(d.accepted(), "rejected: " << (d.accepted() ? "" : d.why().reason));
    BOOST_CHECK_MESSAGE(d.events == expected, "decided events differ from the expected ones");
    auto after = state_;
    for (const auto& e : d.events)
      after = Entity::evolve(std::move(after), e);
    auto again = Entity::decide(after, *command_);
    BOOST_CHECK_MESSAGE(again.events.empty(), "deciding the same command again yields new events");
  }

  /// The command is refused with this code, and the reason says something.
  void then_rejected(const std::string& code) {
    BOOST_REQUIRE(command_.has_value());
    auto d = Entity::decide(state_, *command_);
    BOOST_REQUIRE_MESSAGE(!d.accepted(), "expected a rejection with code " << code);
    BOOST_CHECK_EQUAL(d.why().code, code);
    BOOST_CHECK(!d.why().reason.empty());
    BOOST_CHECK(d.events.empty());
  }

  [[nodiscard]] const state& current() const { return state_; }

private:
  state state_{};
  std::optional<command> command_;
};

} // namespace storemesh::services::testing
