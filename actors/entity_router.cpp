#include "actors/entity_router.hpp"

#include "actors/entity_key.hpp"
#include "actors/entity_kinds.hpp"
#include "actors/messages.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace storemesh::actors {

caf::behavior entity_router(caf::stateful_actor<entity_router_state>* self, const runtime_context* ctx) {
  auto spawn_for = [self, ctx](const std::string& key, const command_record& c) -> caf::actor {
    const auto* kind = find_entity_kind(c.env->entity_kind());
    auto actor =
        kind->spawn(*self, ctx, std::string(c.env->entity_id()), c.epoch, caf::actor_cast<caf::actor>(self));
    // Linked, so that the router's exit (daemon shutdown) takes every entity
    // with it; a passivated entity quits normally, which links do not spread.
    self->link_to(actor);
    self->monitor(actor);
    self->state.live.emplace(key, entity_router_state::live_actor{actor, c.epoch});
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
    if (live != self->state.live.end() && live->second.actor.address() == down.source)
      self->state.live.erase(live);
    auto held = self->state.held.find(key);
    if (held == self->state.held.end())
      return;
    auto commands = std::move(held->second);
    self->state.held.erase(held);
    if (commands.empty())
      return;
    auto actor = spawn_for(key, *commands.front());
    self->send(actor, command_batch{std::move(commands)});
  });

  // Forget the live actor of `key` and send it stop; its key's next commands
  // wait until it is down.
  auto retire = [self](std::unordered_map<std::string, entity_router_state::live_actor>::iterator it) {
    self->send(it->second.actor, stop_atom::value);
    self->state.held.emplace(it->first, std::vector<command_ptr>{});
    return self->state.live.erase(it);
  };

  return {
      [self, spawn_for, retire](command_batch& b) {
        // Each entity's commands of the batch go in one message, in order.
        std::vector<std::pair<caf::actor, command_batch>> out;
        std::unordered_map<std::string, std::size_t> slot;  // key -> index in out
        auto flush = [&] {
          for (auto& [actor, commands] : out)
            self->send(actor, std::move(commands));
          out.clear();
          slot.clear();
        };
        for (auto& c : b.commands) {
          auto key = entity_key(c->env->entity_kind(), c->env->entity_id());
          if (auto held = self->state.held.find(key); held != self->state.held.end()) {
            held->second.push_back(std::move(c));
            continue;
          }
          auto it = self->state.live.find(key);
          if (it != self->state.live.end() && it->second.tenure != c->epoch) {
            flush();  // what the old actor was given goes before its stop
            retire(it);
            self->state.held[key].push_back(std::move(c));
            continue;
          }
          auto [at, fresh] = slot.emplace(key, out.size());
          if (fresh)
            out.emplace_back(it != self->state.live.end() ? it->second.actor : spawn_for(key, *c), command_batch{});
          out[at->second].second.commands.push_back(std::move(c));
        }
        flush();
      },
      [self, ctx, retire](const release_partitions& r) {
        std::size_t stopped = 0;
        for (auto it = self->state.live.begin(); it != self->state.live.end();) {
          const auto id = entity_id_of(it->first);
          const auto p = events::partition_for(id, ctx->event_partitions).value;
          if (std::find(r.partitions.begin(), r.partitions.end(), p) == r.partitions.end()) {
            ++it;
            continue;
          }
          // As for passivation: commands that arrive meanwhile (the partition
          // reloaded, or assigned back) wait until this actor is down.
          it = retire(it);
          ++stopped;
        }
        if (stopped > 0)
          spdlog::info("released {} entities of {} moved partition(s)", stopped, r.partitions.size());
        // Their restored images too (a tenure that ended).
        if (ctx->restored != nullptr)
          ctx->restored->expire(ctx->group);
      },
      [ctx](restore_sweep_atom) {
        if (ctx->restored != nullptr)
          ctx->restored->expire(ctx->group);
      },
      [self, retire](const passivate_request& p) {
        auto it = self->state.live.find(p.key);
        if (it == self->state.live.end())
          return;
        retire(it);
      },
  };
}

} // namespace storemesh::actors
