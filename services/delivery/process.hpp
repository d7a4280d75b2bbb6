#pragma once
// The delivery process manager (entity kind "delivery", id delivery_id(group,
// content)): which slice of the content goes to which edge in which window,
// and which of them the edges have confirmed stored and verified.
//
//   plan --> planned
//   confirm --> slice_confirmed (+ completed when it was the last one)
//   reschedule --> rescheduled  (an edge lost mid-delivery: its unconfirmed
//                                slices move to other edges)
//
// Rules:
//  - plan: not planned before (identical again: accepted, no event; different:
//    already_planned). group and content valid names, check_geometry, `edges`
//    valid names without repeats, every placement's edge among them, each
//    (segment, pillar) at most once and in range, its crc32c given. The
//    dispersal rule: every segment has at least k placements (so the edges
//    rebuild it) and no edge holds k or more slices of one segment (so no
//    single edge holds the content). Codes: invalid, already_planned,
//    not_dispersed.
//  - confirm: planned (not_planned); the slice placed (not_placed); placed on
//    this edge (wrong_edge: never, or moved away by a reschedule, so an edge
//    that comes back never gets a moved slice twice); the crc32c the plan
//    holds (checksum_mismatch). Confirmed already: accepted, no event (a
//    retried confirmation).
//  - reschedule: planned; `edge` is one of the delivery's edges (planned, or
//    a move's target: it holds or held placements; else unknown_edge). Each of its
//    unconfirmed slices, in (segment, pillar) order, moves to the first of
//    `candidates` (the sender's healthy edges, nearest first; `edge` itself
//    is skipped) that holds no slice of that segment yet, else to the first
//    that would still hold fewer than k of it; with none, it stays (stranded:
//    sent when the edge is back, or fetched from the origin). Moved slices
//    get window `window`. Nothing that can move (nothing unconfirmed on the
//    edge, or every such slice stranded): accepted, no event, so that the
//    same reschedule again is the same outcome; stranded slices are listed in
//    an event only beside moves (the rest are the edge's due()).
//
// Time enters only as fields of commands.

#include "services/decision.hpp"
#include "services/delivery/layout.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace storemesh::services::delivery::process {

struct placement {
  std::uint32_t segment = 0, pillar = 0;
  std::string edge;
  std::uint32_t window = 0;  ///< 0 = the first window
  std::uint32_t crc32c = 0;  ///< the content's, copied so that a confirmation is checked here
  bool operator==(const placement& o) const;
};

struct move {
  std::uint32_t segment = 0, pillar = 0;
  std::string from, to;
  std::uint32_t window = 0;
  bool operator==(const move& o) const;
};

// -- events ---------------------------------------------------------------------

struct planned {
  std::string group, content;
  delivery::geometry geometry;
  std::vector<std::string> edges;  ///< the chosen edges, nearest first
  std::vector<placement> placements;
  std::string reason;  ///< the planner's why (score, rank), for the operator
  std::int64_t at_ns = 0;
  bool operator==(const planned& o) const;
};
struct slice_confirmed {
  std::uint32_t segment = 0, pillar = 0;
  std::string edge;
  std::uint32_t crc32c = 0;
  std::int64_t at_ns = 0;
  bool operator==(const slice_confirmed& o) const;
};
struct rescheduled {
  std::string edge, reason;
  std::vector<move> moves;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> stranded;  ///< (segment, pillar) left on the edge
  std::int64_t at_ns = 0;
  bool operator==(const rescheduled& o) const;
};
struct completed {
  std::int64_t at_ns = 0;
  bool operator==(const completed& o) const;
};
using event = std::variant<planned, slice_confirmed, rescheduled, completed>;

// -- state ----------------------------------------------------------------------

struct slot {
  std::string edge;
  std::uint32_t window = 0, crc32c = 0;
  bool confirmed = false;
  bool operator==(const slot& o) const;
};

struct state {
  bool planned = false;
  std::string group, content;
  delivery::geometry geometry;
  std::vector<std::string> edges;  ///< as planned, then every edge a move chose, in order of first use
  std::map<std::pair<std::uint32_t, std::uint32_t>, slot> slots;  ///< by (segment, pillar)
  std::uint64_t confirmed = 0;
  std::uint64_t rescheduled = 0;  ///< slices moved
  bool complete = false;
  std::int64_t planned_ns = 0, completed_ns = 0;
  bool operator==(const state& o) const;
};
inline const state initial{};
[[nodiscard]] state evolve(state s, const event& e);

// -- commands -------------------------------------------------------------------

struct plan {
  std::string group, content;
  delivery::geometry geometry;
  std::vector<std::string> edges;
  std::vector<placement> placements;
  std::string reason;
  std::int64_t at_ns = 0;
};
struct confirm {
  std::uint32_t segment = 0, pillar = 0;
  std::string edge;
  std::uint32_t crc32c = 0;
  std::int64_t at_ns = 0;
};
struct reschedule {
  std::string edge, reason;
  std::vector<std::string> candidates;
  std::uint32_t window = 0;
  std::int64_t at_ns = 0;
};
using command = std::variant<plan, confirm, reschedule>;

[[nodiscard]] decision<event> decide(const state& s, const command& c);
/// Whether the decider would accept `c` with no event (see the rules).
[[nodiscard]] bool changes_nothing(const state& s, const command& c);

// -- questions the runner, fetch and status ask ---------------------------------

/// The slices of `edge` not yet confirmed whose window is <= `window`, in (segment, pillar) order.
[[nodiscard]] std::vector<placement> due(const state& s, std::string_view edge, std::uint32_t window);
/// The last window any unconfirmed slice waits for (0 when none).
[[nodiscard]] std::uint32_t last_window(const state& s);
/// How many of the edges holding confirmed slices may be lost with every
/// segment still rebuilt from the rest: min over segments of the most edges
/// whose loss leaves >= k confirmed slices (taking the fullest edges first).
/// -1 when some segment has fewer than k confirmed slices already.
[[nodiscard]] int tolerance(const state& s);
/// The edges holding confirmed slices of `segment`, with their pillars.
[[nodiscard]] std::map<std::string, std::vector<std::uint32_t>> holders(const state& s, std::uint32_t segment);

} // namespace storemesh::services::delivery::process
