#pragma once
// What the runtime asks of an entity description beyond decide/evolve, each
// optional: detected at compile time so that a simple entity declares nothing.
//
//   static constexpr bool uses_fleet = true;      decide(state, command, fleet view)
//   static void publish(fleet::view&, id, state); tell the fleet view its state

#include "services/fleet/fleet.hpp"

#include <string>
#include <type_traits>
#include <utility>

namespace storemesh::actors {

template <class Entity, class = void>
struct uses_fleet : std::false_type {};
template <class Entity>
struct uses_fleet<Entity, std::enable_if_t<Entity::uses_fleet>> : std::true_type {};

template <class Entity, class = void>
struct publishes : std::false_type {};
template <class Entity>
struct publishes<Entity, std::void_t<decltype(Entity::publish(std::declval<services::fleet::view&>(),
                                                              std::declval<const std::string&>(),
                                                              std::declval<const typename Entity::state_type&>()))>>
    : std::true_type {};

} // namespace storemesh::actors
