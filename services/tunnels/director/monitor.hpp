#pragma once
// The director's quorum monitor: from what its failure detectors and the
// peers' heartbeats say, the cluster commands to send now. Pure: the director
// calls it on every tick with the cluster's state (folded from the log) and
// its measurements, and sends what it returns; the cluster decider judges.
//
//   a member's phi >= threshold           -> report_lost
//   a lost server heartbeats again        -> report_back
//   a promoting node's phi >= threshold   -> report_failed
//   below target, an unfilled loss        -> promote (the oldest), with every
//                                            node's facts as candidates
//
// The monitor may say the same thing on many ticks before the log catches up
// (the command is in flight): pacer.hpp keeps the director from sending it
// more often than once per resend interval, and the decider refuses the
// repeats that still get through (already_lost, promotion_in_progress ...), so
// nothing is decided twice.

#include "services/tunnels/quorum/cluster.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace storemesh::services::director {

/// What the director measured of one peer.
struct peer_facts {
  double phi = 0;                       ///< its detector's suspicion now
  std::int64_t last_heartbeat_ns = 0;   ///< when its last heartbeat arrived (0: never)
  std::uint64_t applied_offset = 0;     ///< its replica's position, from that heartbeat
};

struct observation {
  std::string observer;                     ///< the director's name, recorded in losses
  std::map<std::string, peer_facts> peers;  ///< by peer id; a peer missing here is unknown, not lost
  std::uint64_t head_offset = 0;            ///< the kv log's end
  std::int64_t now_ns = 0;
};

[[nodiscard]] std::vector<cluster::command> assess(const cluster::state& s, const observation& o);

/// A short name for a command and its subject ("report_lost m1"), for the
/// pacer and the director's log lines.
[[nodiscard]] std::string describe(const cluster::command& c);

} // namespace storemesh::services::director
