#pragma once
// Rebuilds the fleet view at daemon start by folding the events of every
// entity kind that publishes to it (hosts, copy jobs). Entity actors keep it
// current from then on.

#include "actors/fleet_board.hpp"
#include "actors/topics.hpp"
#include "events/event_log.hpp"

namespace storemesh::actors {

[[nodiscard]] result<void> rebuild_fleet(events::event_log& log, const topics& names, fleet_board& board);

} // namespace storemesh::actors
