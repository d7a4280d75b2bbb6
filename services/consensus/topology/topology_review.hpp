#pragma once
// What a voting router thinks of a proposed topology: diff_topologies says
// what changes, review_topology turns that and check_topology into one
// verdict with one human-readable reason (the vote event records it).

#include "services/consensus/topology/topology.hpp"
#include "services/consensus/topology/topology_check.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace storemesh::services::consensus {

/// From topology a to b. A prefix is identified by its CIDR; a route by its
/// owner, prefix and next hop (its metric is what may change). Duplicates
/// (which check_topology refuses) count once, the last one winning.
struct topology_diff {
  std::uint64_t from_version = 0, to_version = 0;
  std::vector<prefix_statement> prefixes_added, prefixes_removed;
  std::vector<prefix_statement> prefixes_moved;  // as in b: the same prefix `at` another router (or none)
  std::vector<route_statement> routes_added, routes_removed;
  std::vector<route_statement> routes_changed;   // as in b: the same route with another metric

  /// No statement differs (versions may).
  [[nodiscard]] bool same_statements() const noexcept;
  /// "version 7 -> 8, 2 routes changed, 1 prefix added": the versions, then
  /// every non-zero count; "no statement changed" when none is.
  [[nodiscard]] std::string summary() const;
};

[[nodiscard]] topology_diff diff_topologies(const topology& a, const topology& b);

struct review_verdict {
  bool accept = false;
  /// "accept: version 7 -> 8, 2 routes changed, 1 prefix added", or
  /// "reject: version 7 is not greater than the current version 7", or
  /// "reject: line 4: router 'r9' (the next hop) is not a known router (and 2 more problems)".
  std::string reason;
};

/// The vote of a router running `current` on `proposed`: reject when the
/// proposed version is not greater than the current one (checked first: it is
/// cheap and a stale proposal needs no further look), or when check_topology
/// finds a problem (the first one, by line, is the reason); accept otherwise,
/// with the diff's summary.
[[nodiscard]] review_verdict review_topology(const topology& current, const topology& proposed,
                                             const std::set<std::string>& known_routers);

} // namespace storemesh::services::consensus
