#pragma once
// check_topology: whether a parsed topology can be routed by, as a list of
// every problem found (each with its line and a reason), not just the first.
//
// What is checked (FORMAT.md, "Validation", says the same):
//   unknown_router       a router named in `at`, as a route's owner or as its
//                        next hop is not one of the known routers
//   duplicate_statement  a prefix declared twice (with the same `at` or
//                        another), or two routes with the same owner, prefix
//                        and next hop (whatever their metrics)
//   prefix_without_at    `prefix P` with no `at`: nobody delivers P
//   undeclared_prefix    a route for a prefix no `prefix` statement declares
//   shadowed_route       a route at the router that delivers the prefix
//                        itself: it would never be used
//   loop                 a route whose next hop is its owner, or forwarding
//                        that comes back to a router it passed
//   unreachable          a known router whose forwarding of a destination
//                        ends at a router with no route for it, or delivers
//                        it at a router that is not the destination's `at`
//
// Reachability is demanded of every known router for every declared prefix:
// any router may be the ingress of any datagram. It is decided by the tables
// forwarding uses (forwarding_table::build per known router, the same
// longest-prefix match), walked hop by hop. For each declared prefix P the
// walk takes P's first address and, when it differs, P's first "own" address
// (the first one no more specific declared prefix covers). Each such address
// belongs to the longest declared prefix containing it, whose `at` router
// must deliver it. Because routes are only for declared prefixes (anything
// else is an undeclared_prefix), every address of P's own range matches the
// same entries at every router as P's first own address does, so the walk
// covers every address of every declared prefix, not a sample.
//
// Cost: one table per known router, and one walk per probe address that
// visits each router at most once (its outcome is remembered).

#include "services/consensus/topology/topology.hpp"

#include <cstddef>
#include <set>
#include <string>
#include <vector>

namespace storemesh::services::consensus {

enum class problem_kind {
  unknown_router,
  duplicate_statement,
  prefix_without_at,
  undeclared_prefix,
  shadowed_route,
  loop,
  unreachable,
};

/// "unknown router", "loop", ...
[[nodiscard]] const char* to_string(problem_kind k) noexcept;

struct topology_problem {
  problem_kind kind;
  std::size_t line = 0;  // the statement at fault (1-based)
  std::string reason;    // a sentence for an operator

  /// "line 4: router 'r9' (the next hop) is not a known router"
  [[nodiscard]] std::string message() const;
};

/// At most this many problems are listed; the rest are only counted.
inline constexpr std::size_t max_listed_problems = 100;

struct topology_check {
  std::vector<topology_problem> problems;  // by line, then kind
  std::size_t omitted = 0;                 // found beyond max_listed_problems

  [[nodiscard]] bool ok() const noexcept { return problems.empty(); }
};

/// Every problem of `t` for a network of `known_routers`.
[[nodiscard]] topology_check check_topology(const topology& t, const std::set<std::string>& known_routers);

} // namespace storemesh::services::consensus
