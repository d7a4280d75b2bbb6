#pragma once
// What the process managers issue in answer to one event: each reactor that
// reads its kind (actors/reactors.cpp) is asked, and every command gets an id
// derived from the event, the reactor and its position (reaction_command_id),
// so the same event always issues the same ids. The daemon's reaction feed
// and the simulator both answer events through this.

#include "events/envelope/decoded_envelope.hpp"
#include "services/fleet/fleet.hpp"
#include "services/reaction.hpp"

#include <array>
#include <string>
#include <vector>

namespace storemesh::actors {

struct reaction {
  services::issued_command command;
  std::array<std::uint8_t, 16> id{};
  std::string causation_id;    ///< the event's id (bytes)
  std::string correlation_id;  ///< the event's correlation id (bytes)
};

/// Appends to `out` the commands event `e` calls for. Seals and other records
/// that are not events call for none.
void react_to(const events::envelope::decoded_envelope& e, const services::fleet::view& fleet,
              std::vector<reaction>& out);

} // namespace storemesh::actors
