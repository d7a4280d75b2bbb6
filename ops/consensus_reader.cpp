#include "ops/consensus_reader.hpp"

#include "ops/entity_events.hpp"
#include "services/consensus/agreement_codec.hpp"
#include "services/consensus/router_node_codec.hpp"

namespace storemesh::ops {

std::map<std::string, services::router::state> read_routers(const data_options& data) {
  namespace rt = services::router;
  std::map<std::string, rt::state> out;
  for_each_entity_event<rt::entity>(data, [&](const std::string& id, const rt::event& e, std::uint64_t) {
    auto& s = out.try_emplace(id, rt::initial).first->second;
    s = rt::evolve(std::move(s), e);
  });
  return out;
}

services::topology::state read_topology(const data_options& data, const std::string& network) {
  namespace tp = services::topology;
  tp::state s = tp::initial;
  for_each_entity_event<tp::entity>(data, [&](const std::string& id, const tp::event& e, std::uint64_t) {
    if (id == network)
      s = tp::evolve(std::move(s), e);
  });
  return s;
}

} // namespace storemesh::ops
