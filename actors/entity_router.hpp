#pragma once
// Owns the entity actors of one daemon: spawns an entity's actor on its first
// command, forwards its commands in order, and passivates it when idle.
//
// Passivation never runs two actors for one entity: the router forgets the
// actor and sends it stop (ordered after every command already forwarded);
// commands that arrive for that entity meanwhile wait here until the old actor
// is down, then go to a fresh one, which recovers from the log.
//
// Tenures: an actor decides under the tenure of its partition that its first
// command was read under. A command read under another tenure (the partition
// came back, or was renewed after a fenced write) retires the old actor the
// same way, so the fresh one recovers only after the old one's last append is
// durable or refused.

#include "actors/runtime_context.hpp"

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/stateful_actor.hpp>

namespace storemesh::actors {

struct entity_router_state {
  struct live_actor {
    caf::actor actor;
    ownership_epoch tenure;
  };
  std::unordered_map<std::string, live_actor> live;
  std::unordered_map<caf::actor_addr, std::string> key_of;
  std::unordered_map<std::string, std::vector<std::shared_ptr<const struct command_record>>> held;
  static inline const char* name = "entity-router";
};

caf::behavior entity_router(caf::stateful_actor<entity_router_state>* self, const runtime_context* ctx);

} // namespace storemesh::actors
