#pragma once
// The delivery mechanism's invariant, recomputed from the delivery events
// alone (no decide, no evolve): every content item stays rebuildable from k
// slices, and no single edge can rebuild it.
//
// Per delivery it folds where each slice (segment, pillar) is placed, with
// the CRC32C the plan gave it and whether its edge confirmed it, and checks:
//
//   dispersal  after the plan and after every reschedule, every segment has
//              at least k placements and no edge holds k or more of them;
//              placements in range (segment < segments, pillar < k + m), each
//              slice placed once; a delivery planned once
//   confirm    names a placed slice, on the edge it is placed on now, with
//              exactly the plan's CRC32C; a slice is confirmed once
//   move       only an unconfirmed slice, from the edge the reschedule names
//              (so a confirmed slice is never lost to a move)
//   completed  once, and only when every placed slice is confirmed: then
//              every segment has at least k confirmed slices, each on an
//              edge holding fewer than k of it
//
// Since confirmed slices never move nor are un-confirmed (checked above), a
// completed delivery keeps at least k confirmed slices per segment for good;
// whether they are on edges that are up is the plan's tolerance (k + m
// pillars on distinct edges survive m edges lost), not a decision.

#include "services/delivery/process_codec.hpp"
#include "sim/scenario.hpp"
#include "sim/scenarios/follow_entity.hpp"

#include <map>
#include <optional>
#include <string>
#include <utility>

namespace storemesh::sim {

class delivery_invariant {
public:
  /// Folds the records appended since the last call; the first violation.
  [[nodiscard]] std::optional<std::string> advance(const log_view& log);

private:
  struct slot {
    std::string edge;
    std::uint32_t crc32c = 0;
    bool confirmed = false;
  };
  struct delivery_view {
    bool planned = false, completed = false;
    std::uint32_t k = 0, pillars = 0;
    std::uint64_t segments = 0;
    std::map<std::pair<std::uint32_t, std::uint32_t>, slot> slots;  ///< by (segment, pillar)
  };

  std::optional<std::string> fold(delivery_view& d, const services::delivery::process::event& e);
  /// Dispersal of `segment` (all segments when none).
  static std::optional<std::string> dispersed(const delivery_view& d, std::optional<std::uint32_t> segment);

  std::map<std::string, delivery_view> deliveries_;
  follow_entity<services::delivery::process::entity> events_;
  std::optional<std::string> violation_;
};

} // namespace storemesh::sim
