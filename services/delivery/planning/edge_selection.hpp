#pragma once
// Edge selection: which edges stage a delivery for a group. Pure.
//
//   eligible: role edge (never the origin), up, and room >= the share, where
//             room = min(free_bytes, capacity_bytes) - assigned_bytes (0 when negative):
//             the last report's free bytes less what planned deliveries already hold there
//   order:    nearest to the group first; equal distance: more room first; then by name
//   chosen:   the first `want` of that order
// Every edge not chosen says why (origin, down, no room for the share, farther
// than the chosen ones).

#include "services/delivery/layout.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace storemesh::services::delivery::planning {

/// An edge unit as the planner sees it (the edge_unit entity's state plus what deliveries hold there).
struct edge {
  std::string name;
  delivery::location at;
  bool up = true;
  bool origin = false;               ///< role origin: never chosen
  std::uint64_t capacity_bytes = 0;  ///< what the operator gives it to hold
  std::uint64_t free_bytes = 0;      ///< its last report
  std::uint64_t assigned_bytes = 0;  ///< held by planned deliveries not yet counted in free_bytes
  std::uint64_t window_bytes = 0;    ///< the most it receives in one window
};
/// min(free, capacity) - assigned, 0 when negative.
[[nodiscard]] std::uint64_t room(const edge& e);

struct skipped_edge {
  std::string name, why;
};
struct edge_choice {
  std::vector<std::size_t> chosen;    ///< indices into the edges given, nearest first
  std::vector<skipped_edge> skipped;  ///< the others, in input order, each with why
};

/// The `want` best edges for a group at `at` that each have room for `share_bytes`.
/// `explain`: false skips building the `skipped` list (the batch planner's fast path).
[[nodiscard]] edge_choice select_edges(const std::vector<edge>& edges, delivery::location at,
                                       std::uint64_t share_bytes, std::size_t want, bool explain = true);

} // namespace storemesh::services::delivery::planning
