#pragma once
// One entity's core (entity_core.hpp) behind an interface that does not name
// its kind: how the simulator holds entities of every kind side by side, as
// the daemon holds their actors. entity_kinds() makes one per kind.

#include "actors/core/entity_core.hpp"
#include "actors/entity_recovery.hpp"

#include <functional>
#include <memory>
#include <optional>

namespace storemesh::actors {

class entity_host {
public:
  virtual ~entity_host() = default;
  /// Rebuilds the entity from the log (snapshot, then events): blocking.
  virtual void recover() = 0;
  virtual void begin() = 0;
  virtual void decide(const command_record& c) = 0;
  [[nodiscard]] virtual entity_round& pending() = 0;
  [[nodiscard]] virtual std::function<void()> publication() const = 0;
  virtual void commit(offset first_event) = 0;
  virtual void abandon() = 0;
  [[nodiscard]] virtual std::optional<events::record> snapshot_if_due() = 0;
  [[nodiscard]] virtual std::uint64_t sequence() const = 0;
};

template <class Entity>
class hosted_entity final : public entity_host {
public:
  hosted_entity(const runtime_context& ctx, std::string id) : ctx_(&ctx), core_(ctx, std::move(id)) {}
  void recover() override {
    auto image = recover_entity<Entity>(*ctx_, core_.id());
    if (image)
      core_.recovered(std::move(image).value());
    else
      core_.recovery_failed(image.error().message());
  }
  void begin() override { core_.begin(); }
  void decide(const command_record& c) override { core_.decide(c); }
  entity_round& pending() override { return core_.pending(); }
  std::function<void()> publication() const override { return core_.publication(); }
  void commit(offset first_event) override { core_.commit(first_event); }
  void abandon() override { core_.abandon(); }
  std::optional<events::record> snapshot_if_due() override { return core_.snapshot_if_due(); }
  std::uint64_t sequence() const override { return core_.image().seq; }

private:
  const runtime_context* ctx_;
  entity_core<Entity> core_;
};

} // namespace storemesh::actors
