#include "services/consensus/reactions.hpp"

#include "services/consensus/agreement_codec.hpp"
#include "services/consensus/router_node_codec.hpp"

namespace storemesh::services::consensus {

const std::vector<std::string_view>& reaction_inputs() {
  static const std::vector<std::string_view> kinds{router::entity::kind};
  return kinds;
}

std::vector<issued_command> react(std::string_view kind, const std::string& id, schema::Envelope::Reader event) {
  std::vector<issued_command> out;
  if (kind != router::entity::kind)
    return out;
  auto e = router::entity::read_event(event);
  if (!e)
    return out;
  if (const auto* r = std::get_if<router::registered>(&e.value()))
    out.push_back(issue<topology::entity>(r->spec.network, topology::enroll{id}));
  return out;
}

} // namespace storemesh::services::consensus
