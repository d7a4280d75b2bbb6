#pragma once
// The rebalancing reactions: which command each event calls for. Pure: an
// event and the fleet view in, commands out.
//
//   host load_reported (gateway of SITE), an evaluation due by SITE's interval
//                               -> rebalancer[SITE] evaluate(scheduled, at the report's time)
//   rebalancer planned(moves)   -> job migrate(to, reason) for every move  (the migration protocol)
//   job assigned(migration > 0), a planned move under way
//                               -> rebalancer[SITE] observe_moved(job, host)
//   job completed / failed, a planned move under way
//                               -> rebalancer[SITE] observe_ended(job)
//
// The schedule rides on the load reports: an evaluation is due when a fresh
// report arrives at least `interval` after the last evaluation, and there is
// nothing new to evaluate without one. Two reports that both find it due
// before the first evaluation is recorded ask twice; the rebalancer refuses
// the second as not_due.

#include "services/fleet/fleet.hpp"
#include "services/reaction.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace storemesh::services::rebalancer {

/// The entity kinds whose events these reactions read.
[[nodiscard]] const std::vector<std::string_view>& reaction_inputs();

/// Commands called for by one event of entity (kind, id). An event that is
/// not readable calls for nothing.
[[nodiscard]] std::vector<issued_command> react(std::string_view kind, const std::string& id,
                                                schema::Envelope::Reader event, const fleet::view& fleet);

/// The reason a rebalance move's migration carries.
[[nodiscard]] std::string move_reason(const std::string& site, std::uint32_t plan, const std::string& from,
                                      const std::string& to);

} // namespace storemesh::services::rebalancer
