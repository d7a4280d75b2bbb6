#include "actors/reactors.hpp"

#include "services/gateway/reactions.hpp"
#include "services/migration/reactions.hpp"

namespace storemesh::actors {

const std::vector<reactor>& reactors() {
  static const std::vector<reactor> all{
      {"migration", services::migration::reaction_inputs(), &services::migration::react},
      {"rebalancing", services::rebalancer::reaction_inputs(), &services::rebalancer::react},
  };
  return all;
}

} // namespace storemesh::actors
