#include "actors/entity_kinds.hpp"

#include "actors/entity_actor.hpp"
#include "services/access/access_server_codec.hpp"
#include "services/consensus/agreement_codec.hpp"
#include "services/consensus/router_node_codec.hpp"
#include "services/control_path/storage_system_codec.hpp"
#include "services/delivery/content_codec.hpp"
#include "services/delivery/edge_unit_codec.hpp"
#include "services/delivery/process_codec.hpp"
#include "services/delivery/user_group_codec.hpp"
#include "services/gateway/rebalancer_codec.hpp"
#include "services/host/host_codec.hpp"
#include "services/migration/copy_job_codec.hpp"
#include "services/migration/migration_codec.hpp"
#include "services/tunnels/coordination/kv_space_codec.hpp"
#include "services/tunnels/quorum/cluster_codec.hpp"

namespace storemesh::actors {
namespace {

template <class Entity>
entity_kind describe() {
  return entity_kind{
      std::string(Entity::kind),
      [](caf::local_actor& spawner, const runtime_context* ctx, const std::string& id, ownership_epoch tenure,
         caf::actor router) { return spawner.spawn<entity_actor<Entity>>(ctx, id, tenure, std::move(router)); },
      [] { return std::unique_ptr<projection>(new entity_projection<Entity>()); },
      [](const runtime_context& ctx, const std::string& id) {
        return std::unique_ptr<entity_host>(new hosted_entity<Entity>(ctx, id));
      },
      uses_fleet<Entity>::value,
      [](const runtime_context& ctx, partition_id p, restored_images::image_map& into) {
        return restore_into<Entity>(ctx, p, into);
      },
  };
}

} // namespace

const std::vector<entity_kind>& entity_kinds() {
  static const std::vector<entity_kind> kinds{describe<services::host::entity>(),
                                              describe<services::copy_job::entity>(),
                                              describe<services::migration::entity>(),
                                              describe<services::rebalancer::entity>(),
                                              describe<services::kv::entity>(),
                                              describe<services::cluster::entity>(),
                                              describe<services::router::entity>(),
                                              describe<services::topology::entity>(),
                                              describe<services::storage::entity>(),
                                              describe<services::control_host::entity>(),
                                              describe<services::access::entity>(),
                                              describe<services::delivery::user_group::entity>(),
                                              describe<services::delivery::content::entity>(),
                                              describe<services::delivery::edge_unit::entity>(),
                                              describe<services::delivery::process::entity>()};
  return kinds;
}

const entity_kind* find_entity_kind(std::string_view kind) {
  for (const auto& k : entity_kinds())
    if (k.kind == kind)
      return &k;
  return nullptr;
}

} // namespace storemesh::actors
