#include "actors/reactors.hpp"

#include "services/consensus/reactions.hpp"
#include "services/gateway/reactions.hpp"
#include "services/migration/reactions.hpp"

namespace storemesh::actors {

const std::vector<reactor>& reactors() {
  static const std::vector<reactor> all{
      {"migration", services::migration::reaction_inputs(), &services::migration::react},
      {"rebalancing", services::rebalancer::reaction_inputs(), &services::rebalancer::react},
      {"consensus", services::consensus::reaction_inputs(),
       [](std::string_view kind, const std::string& id, schema::Envelope::Reader event, const services::fleet::view&) {
         return services::consensus::react(kind, id, event);
       }},
  };
  return all;
}

} // namespace storemesh::actors
