#include "actors/entity_router.hpp"

#include "actors/entity_kinds.hpp"
#include "actors/messages.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace storemesh::actors {

caf::behavior entity_router(caf::stateful_actor<entity_router_state>* self, const runtime_context* ctx) {
  auto spawn_for = [self, ctx](const std::string& key, const command_record& c) -> caf::actor {
    const auto* kind = find_entity_kind(c.env->entity_kind());
    auto actor = kind->spawn(*self, ctx, std::string(c.env->entity_id()), caf::actor_cast<caf::actor>(self));
    // Linked, so that the router's exit (daemon shutdown) takes every entity
    // with it; a passivated entity quits normally, which links do not spread.
    self->link_to(actor);
    self->monitor(actor);
    self->state.live.emplace(key, actor);
    self->state.key_of.emplace(actor.address(), key);
    return actor;
  };

  self->set_down_handler([self, spawn_for](const caf::down_msg& down) {
    auto it = self->state.key_of.find(down.source);
    if (it == self->state.key_of.end())
      return;
    const auto key = it->second;
    self->state.key_of.erase(it);
    auto live = self->state.live.find(key);
    if (live != self->state.live.end() && live->second.address() == down.source)
      self->state.live.erase(live);
    auto held = self->state.held.find(key);
    if (held == self->state.held.end())
      return;
    auto commands = std::move(held->second);
    self->state.held.erase(held);
    if (commands.empty())
      return;
    auto actor = spawn_for(key, *commands.front());
    for (auto& c : commands)
      self->send(actor, c);
  });

  return {
      [self, spawn_for](const command_ptr& c) {
        auto key = std::string(c->env->entity_kind()) + '/' + std::string(c->env->entity_id());
        if (auto held = self->state.held.find(key); held != self->state.held.end()) {
          held->second.push_back(c);
          return;
        }
        auto it = self->state.live.find(key);
        auto actor = it != self->state.live.end() ? it->second : spawn_for(key, *c);
        self->send(actor, c);
      },
      [self, ctx](const release_partitions& r) {
        // Keys are "kind/id"; entity ids may hold '/', kinds do not.
        std::size_t stopped = 0;
        for (auto it = self->state.live.begin(); it != self->state.live.end();) {
          const auto id = std::string_view(it->first).substr(it->first.find('/') + 1);
          const auto p = events::partition_for(id, ctx->event_partitions).value;
          if (std::find(r.partitions.begin(), r.partitions.end(), p) == r.partitions.end()) {
            ++it;
            continue;
          }
          // As for passivation: commands that arrive meanwhile (the partition
          // reloaded, or assigned back) wait until this actor is down.
          self->send(it->second, stop_atom::value);
          self->state.held.emplace(it->first, std::vector<command_ptr>{});
          it = self->state.live.erase(it);
          ++stopped;
        }
        if (stopped > 0)
          spdlog::info("released {} entities of {} moved partition(s)", stopped, r.partitions.size());
      },
      [self](const passivate_request& p) {
        auto it = self->state.live.find(p.key);
        if (it == self->state.live.end())
          return;
        self->send(it->second, stop_atom::value);
        self->state.live.erase(it);
        self->state.held.emplace(p.key, std::vector<command_ptr>{});
      },
  };
}

} // namespace storemesh::actors
