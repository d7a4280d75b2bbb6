#pragma once
// The migration protocol's reactions: which command each event calls for.
// Pure: an event and the fleet view in, commands out.
//
//   job migration_requested(n)  -> migration[job:n] begin
//   migration begun             -> job request_stop(n)              (request 2 to A)
//   job portion_completed(n, X) -> migration[job:n] observe_portion
//   migration portion_received  -> job hand_over(n)                 (request 3 to B)
//   job assigned(n > 0)         -> migration[job:n] observe_resumed
//   job completed/failed(n > 0) -> migration[job:n] observe_end
//   host state_changed(draining)-> job migrate(auto) for every job running there
//   host registered / up         -> job migrate(auto) for every job waiting between hosts

#include "services/fleet/fleet.hpp"
#include "services/reaction.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace storemesh::services::migration {

/// The entity kinds whose events these reactions read.
[[nodiscard]] const std::vector<std::string_view>& reaction_inputs();

/// Commands called for by one event of entity (kind, id). An event that is
/// not readable calls for nothing (the audit reports it; reacting to a guess
/// would be worse).
[[nodiscard]] std::vector<issued_command> react(std::string_view kind, const std::string& id,
                                                schema::Envelope::Reader event, const fleet::view& fleet);

} // namespace storemesh::services::migration
