#pragma once
// The partial-download schedule of one delivery: which slice goes to which
// edge in which window. Pure and deterministic.
//
// Dispersal (n = k + m pillars, E = min(edges given, n) edges used, the
// nearest; more than n edges would let some k of them miss a segment):
//   per segment, P = min(n, E * (k - 1)) pillars are placed (pillars 0..P-1:
//   data first, so that a full set rebuilds without decoding), pillar j of
//   segment s on used edge (s + j) mod E. So each edge holds floor or ceil of
//   P / E <= k - 1 slices of a segment (fewer than k: no single edge holds the
//   content), the pillars rotate across segments (no edge holds all the
//   parity), and every edge holds at least one slice of every segment.
//   Hence, with E >= k, any k of the used edges hold >= k distinct pillars of
//   every segment and rebuild it; with 2 <= E < k, all E together hold
//   min(n, E (k-1)) >= k (nothing may be lost). Refused: k = 1 (one slice is
//   a whole segment, so any edge holding one holds the content), fewer than
//   2 edges, fewer than `min_edges` edges.
// Windows: slices in segment order, each in the earliest window w < max_windows
// where both its edge's cap (window_bytes) and the total cap (all edges,
// off-peak bandwidth) still hold, counting the loads of earlier deliveries.
// A slice that fits no window refuses the whole schedule (nothing is added).

#include "services/delivery/layout.hpp"
#include "services/delivery/process.hpp"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace storemesh::services::delivery::planning {

/// Bytes scheduled per window, per edge and in total, by the deliveries planned so far.
struct window_loads {
  std::unordered_map<std::string, std::vector<std::uint64_t>> per_edge;  ///< [window] bytes
  std::vector<std::uint64_t> total;                                       ///< [window] bytes, all edges
  [[nodiscard]] std::uint64_t edge_at(const std::string& edge, std::uint32_t window) const;
  [[nodiscard]] std::uint64_t total_at(std::uint32_t window) const;
};

struct schedule_edge {
  std::string name;
  std::uint64_t window_bytes = 0;  ///< this edge's cap per window (0 = no cap)
};

struct schedule_input {
  std::string content;
  delivery::geometry geometry;
  std::vector<std::uint32_t> slice_crc32c;  ///< segment * n + pillar, as content::added holds them
  std::vector<schedule_edge> edges;         ///< chosen, nearest first
  std::uint64_t window_total_bytes = 0;     ///< cap per window over all edges (0 = no cap)
  std::uint32_t max_windows = 16;
  std::uint32_t min_edges = 2;              ///< refuse with fewer used edges (at least 2)
};

struct schedule {
  std::string refused;  ///< "" when scheduled, else why not (then nothing else is set)
  std::vector<process::placement> placements;  ///< by (segment, pillar)
  std::vector<std::string> edges;              ///< the used edges, nearest first
  std::uint32_t windows = 0;                   ///< 1 + the last window used
  std::uint32_t placed_per_segment = 0;        ///< P
  /// The most used edges that may be lost, whichever they are, with every segment still rebuilt
  /// (at least E - k when E >= k; more when each edge holds several slices of a segment).
  std::uint32_t tolerance = 0;
  std::unordered_map<std::string, std::uint64_t> edge_bytes;  ///< bytes per used edge
};

/// How many slices of the whole content each of E used edges gets (index = position among the used
/// edges), without windows: what edge selection needs as the share before choosing. Empty when
/// the rule refuses E (k = 1, E < 2).
[[nodiscard]] std::vector<std::uint64_t> slices_per_edge(const delivery::geometry& g, std::size_t edges);
/// max of slices_per_edge * slice_bytes: the room every chosen edge needs.
[[nodiscard]] std::uint64_t share_bytes(const delivery::geometry& g, std::size_t edges);

/// The schedule, counting `loads` from earlier deliveries (not changed: see add()).
[[nodiscard]] schedule make_schedule(const schedule_input& in, const window_loads& loads);
/// Adds a schedule's bytes to the loads (the batch planner, after accepting it).
void add(window_loads& loads, const schedule& s, std::uint64_t slice_bytes);

} // namespace storemesh::services::delivery::planning
