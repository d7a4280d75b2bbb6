#pragma once
// The entity kinds this build knows: how to spawn each one's actor, and how to
// fold its events outside an actor (audit, read models). Adding a module means
// adding one line to entity_kinds().

#include "actors/entity_key.hpp"
#include "actors/core/entity_host.hpp"
#include "actors/entity_fold.hpp"
#include "actors/entity_traits.hpp"
#include "actors/partition_restore.hpp"
#include "actors/runtime_context.hpp"

#include <caf/actor.hpp>
#include <caf/local_actor.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace storemesh::actors {

/// An entity kind's events folded per entity, outside any actor.
class projection {
public:
  virtual ~projection() = default;
  [[nodiscard]] virtual result<void> fold(const std::string& id, schema::Envelope::Reader env,
                                          std::string_view value, std::int64_t at) = 0;
  [[nodiscard]] virtual std::size_t entities() const = 0;
  /// Tells the fleet view what these entities' states say (a no-op for kinds
  /// the fleet does not follow).
  virtual void publish(services::fleet::view& fleet) const = 0;
  /// Whether these entities tell the fleet view anything.
  [[nodiscard]] virtual bool feeds_fleet() const = 0;
  /// Tells the board one entity's state, at its sequence (fleet_board::update_entity).
  virtual void publish_to(fleet_board& board, const std::string& id) const = 0;
};

template <class Entity>
class entity_projection final : public projection {
public:
  result<void> fold(const std::string& id, schema::Envelope::Reader env, std::string_view value,
                    std::int64_t at) override {
    return fold_event(images_[id], env, value, at);
  }
  std::size_t entities() const override { return images_.size(); }
  void publish(services::fleet::view& fleet) const override {
    if constexpr (publishes<Entity>::value)
      for (const auto& [id, image] : images_)
        Entity::publish(fleet, id, image.state);
  }
  bool feeds_fleet() const override { return publishes<Entity>::value; }
  void publish_to(fleet_board& board, const std::string& id) const override {
    if constexpr (publishes<Entity>::value) {
      auto it = images_.find(id);
      if (it != images_.end())
        board.update_entity(entity_key(Entity::kind, id), it->second.seq,
                            [&](services::fleet::view& v) { Entity::publish(v, id, it->second.state); });
    }
  }
  [[nodiscard]] const std::map<std::string, entity_image<Entity>>& images() const { return images_; }

private:
  std::map<std::string, entity_image<Entity>> images_;
};

struct entity_kind {
  std::string kind;
  /// An actor for entity `id`, deciding under `tenure` of its partition.
  std::function<caf::actor(caf::local_actor& spawner, const runtime_context* ctx, const std::string& id,
                           ownership_epoch tenure, caf::actor router)>
      spawn;
  std::function<std::unique_ptr<projection>()> make_projection;
  /// The entity's core without an actor (the simulator's host).
  std::function<std::unique_ptr<entity_host>(const runtime_context& ctx, const std::string& id)> host;
  /// Its decider reads the fleet view (entity_traits.hpp, uses_fleet): the
  /// intake lets the writer's round in flight publish before it hands such
  /// a command over (command_intake.cpp says why).
  bool reads_fleet = false;
  /// Restores the entities of this kind in events partition p, in one pass,
  /// into a takeover's set (partition_restore.hpp). Blocking.
  std::function<result<restore_tally>(const runtime_context& ctx, partition_id p, restored_images::image_map& into)>
      restore;
};

[[nodiscard]] const std::vector<entity_kind>& entity_kinds();
[[nodiscard]] const entity_kind* find_entity_kind(std::string_view kind);

} // namespace storemesh::actors
