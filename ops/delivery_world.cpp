#include "ops/delivery_world.hpp"

#include "ops/entity_events.hpp"
#include "services/delivery/content_codec.hpp"
#include "services/delivery/edge_unit_codec.hpp"
#include "services/delivery/process_codec.hpp"
#include "services/delivery/user_group_codec.hpp"

namespace storemesh::ops {
namespace {

namespace sd = services::delivery;

template <class Entity, class Map>
void fold_into(const data_options& data, Map& out) {
  for_each_entity_event<Entity>(data, [&](const std::string& id, const typename Entity::event_type& e, std::uint64_t) {
    auto& s = out.try_emplace(id, typename Entity::state_type{}).first->second;
    s = Entity::evolve(std::move(s), e);
  });
}

} // namespace

agents::delivery::world read_delivery_world(const data_options& data) {
  agents::delivery::world w;
  for_each_entity_event<sd::user_group::entity>(
      data, [&](const std::string& id, const sd::user_group::event& e, std::uint64_t) {
        auto& s = w.groups.try_emplace(id, sd::user_group::initial).first->second;
        s = sd::user_group::evolve(std::move(s), e);
        if (const auto* r = std::get_if<sd::user_group::requested>(&e))
          w.history.push_back({id, r->content, r->at_ns});
      });
  fold_into<sd::content::entity>(data, w.contents);
  fold_into<sd::edge_unit::entity>(data, w.edges);
  fold_into<sd::process::entity>(data, w.deliveries);
  return w;
}

} // namespace storemesh::ops
