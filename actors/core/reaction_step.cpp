#include "actors/core/reaction_step.hpp"

#include "actors/command_sink.hpp"
#include "actors/reactors.hpp"
#include "events/envelope/envelope_builder.hpp"

#include <algorithm>

namespace storemesh::actors {

void react_to(const events::envelope::decoded_envelope& e, const services::fleet::view& fleet,
              std::vector<reaction>& out) {
  if (e.reader().getIntegrity().which() != schema::Envelope::Integrity::EVENT)
    return;
  const std::string id(e.entity_id());
  for (const auto& reactor : reactors()) {
    if (std::find(reactor.inputs.begin(), reactor.inputs.end(), e.entity_kind()) == reactor.inputs.end())
      continue;
    auto issued = reactor.react(e.entity_kind(), id, e.reader(), fleet);
    for (std::size_t i = 0; i < issued.size(); ++i)
      out.push_back(reaction{std::move(issued[i]), reaction_command_id(e.id(), reactor.name, i),
                             std::string(reinterpret_cast<const char*>(e.id().data()), e.id().size()),
                             std::string(events::envelope::as_string_view(e.reader().getCorrelationId()))});
  }
}

} // namespace storemesh::actors
