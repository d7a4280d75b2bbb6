#pragma once
// The consensus reactions: which command each event calls for. Pure: an event
// in, commands out.
//
//   router registered(network N)  -> topology[N] enroll(router)
//
// Expiry is not a reaction: a proposal expires when its deadline passes, and
// nothing in the log happens then to react to (the gateway's schedule rides
// on load reports that keep arriving; a vote may never come). Proposals are
// expired by a clock outside the log, the way the director expires kv leases
// (actors/agents/coordination/director_agent): `expire{proposal, now}` from
// the router process, which holds the proposals it waits on.

#include "services/reaction.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace storemesh::services::consensus {

/// The entity kinds whose events these reactions read.
[[nodiscard]] const std::vector<std::string_view>& reaction_inputs();

/// Commands called for by one event of entity (kind, id). An event that is
/// not readable calls for nothing.
[[nodiscard]] std::vector<issued_command> react(std::string_view kind, const std::string& id,
                                                schema::Envelope::Reader event);

} // namespace storemesh::services::consensus
