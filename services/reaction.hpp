#pragma once
// What a process manager's reaction to an event returns: commands to issue,
// each addressed to one entity. The runtime (actors/reaction_feed.hpp) signs
// and appends them with an id derived from the event and the command's
// position, so a reaction replayed after a crash issues the same ids and the
// entities drop the repeats as duplicates.

#include "schemas/envelope.capnp.h"

#include <functional>
#include <string>
#include <utility>

namespace storemesh::services {

struct issued_command {
  std::string kind;
  std::string id;
  std::function<void(schema::Envelope::Builder)> write;  ///< writes the payload
};

template <class Entity>
issued_command issue(std::string id, typename Entity::command_type c) {
  return issued_command{std::string(Entity::kind), std::move(id),
                        [c = std::move(c)](schema::Envelope::Builder b) { Entity::write_command(c, b); }};
}

} // namespace storemesh::services
