#pragma once
// given / when / then for deciders, plus the property every decider gets:
// once the decided events are applied, the same command decides nothing new.
//
//   spec<host::entity>()
//     .given({registered{{ds}}})
//     .when(set_state{host_state::draining, "maintenance"})
//     .then({state_changed{host_state::up, host_state::draining, "maintenance"}});
//
// A decider that reads the fleet view (its entity declares
// `static constexpr bool uses_fleet = true`) is called as
// Entity::decide(state, command, fleet), with the fleet given by with_fleet()
// (an empty view if none is given):
//
//   spec<copy_job::entity>()
//     .with_fleet(two_up_hosts)
//     .when(submit{src, dst, ""})
//     .then({submitted{src, dst}, assigned{"a", 1, 0, 0}});
//
// The fleet view is a plain value: holding one needs services/fleet/fleet.hpp
// (header only here), not fleet.cpp, so host tests do not link the fleet.

#include "services/decision.hpp"
#include "services/fleet/fleet.hpp"

#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace storemesh::services::testing {

/// Whether Entity::decide also takes the fleet view.
template <class Entity, class = void>
struct uses_fleet : std::false_type {};
template <class Entity>
struct uses_fleet<Entity, std::enable_if_t<Entity::uses_fleet>> : std::true_type {};

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

  /// The fleet view decide() reads; only for entities that use one.
  spec& with_fleet(fleet::view f) {
    static_assert(uses_fleet<Entity>::value, "this entity's decide() does not read the fleet view");
    fleet_ = std::move(f);
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
    auto d = decide(state_, *command_);
    BOOST_REQUIRE_MESSAGE(d.accepted(), "rejected: " << (d.accepted() ? "" : d.why().code + ": " + d.why().reason));
    BOOST_CHECK_MESSAGE(d.events == expected, "decided events differ from the expected ones");
    auto after = state_;
    for (const auto& e : d.events)
      after = Entity::evolve(std::move(after), e);
    auto again = decide(after, *command_);
    BOOST_CHECK_MESSAGE(again.events.empty(), "deciding the same command again yields new events");
  }

  /// For the few commands whose repetition means something (a kv put without
  /// a compare: etcd makes a new revision each time): accepted with exactly
  /// these events, and deciding it again on the resulting state is accepted
  /// again. A retried command is kept from applying twice by its command id
  /// (the runtime's dedup), not by the decider.
  void then_each_time(const std::vector<event>& expected) {
    BOOST_REQUIRE(command_.has_value());
    auto d = decide(state_, *command_);
    BOOST_REQUIRE_MESSAGE(d.accepted(), "rejected: " << (d.accepted() ? "" : d.why().code + ": " + d.why().reason));
    BOOST_CHECK_MESSAGE(d.events == expected, "decided events differ from the expected ones");
    auto after = state_;
    for (const auto& e : d.events)
      after = Entity::evolve(std::move(after), e);
    BOOST_CHECK_MESSAGE(decide(after, *command_).accepted(), "deciding the same command again is refused");
  }

  /// The command is refused with this code, and the reason says something.
  void then_rejected(const std::string& code) {
    BOOST_REQUIRE(command_.has_value());
    auto d = decide(state_, *command_);
    BOOST_REQUIRE_MESSAGE(!d.accepted(), "expected a rejection with code " << code);
    BOOST_CHECK_EQUAL(d.why().code, code);
    BOOST_CHECK(!d.why().reason.empty());
    BOOST_CHECK(d.events.empty());
  }

  [[nodiscard]] const state& current() const { return state_; }

private:
  decision<event> decide(const state& s, const command& c) const {
    if constexpr (uses_fleet<Entity>::value)
      return Entity::decide(s, c, fleet_);
    else
      return Entity::decide(s, c);
  }

  state state_{};
  fleet::view fleet_;
  std::optional<command> command_;
};

} // namespace storemesh::services::testing
