#pragma once
// A synthetic fleet and request history, seeded and deterministic, for the
// planner's tests and both benches (bench_planner, bench_preposition).
//
// The history has the structure the model looks for, in known proportions:
//   - contents form `clusters` taste clusters (content i is in cluster i mod clusters);
//     global popularity is Zipf(zipf_s) over content ids (content 0 the most popular);
//   - each group has a home cluster and `favourites` contents of it that it asks for
//     again and again;
//   - each request is, with probability `repeat`, one of the group's favourites;
//     else with probability `taste` a Zipf draw inside its home cluster; else a
//     global Zipf draw;
//   - request times are uniform over [start_ns, start_ns + days), sorted;
//     requests per group vary uniformly in 0.5 .. 1.5 x the mean.
// Groups and edges sit uniformly on a square of side `area_m`; edges have
// capacity `edge_capacity_bytes`, free 50 .. 100 % of it, and `down_fraction`
// of them are down. Content sizes are log-uniform in [min_bytes, max_bytes]; segments
// are `segment_bytes`, or the content's size (rounded up) when it is smaller.

#include "services/delivery/planning/edge_selection.hpp"
#include "services/delivery/planning/planner.hpp"
#include "services/delivery/planning/preference.hpp"

#include <cstdint>
#include <vector>

namespace storemesh::services::delivery::planning {

struct synthetic_options {
  std::size_t groups = 10'000, contents = 100'000, edges = 1'000, requests = 1'000'000;
  std::uint64_t seed = 1;
  std::int64_t start_ns = 1'700'000'000'000'000'000;  // Nov 2023
  std::int64_t days = 60;
  double zipf_s = 1.0;
  std::size_t clusters = 500;
  std::uint32_t favourites = 3;
  double repeat = 0.3, taste = 0.5;
  std::int64_t area_m = 200'000;
  std::uint64_t min_bytes = 1ull << 20, max_bytes = 256ull << 20;
  std::uint64_t segment_bytes = 16ull << 20;
  std::uint32_t k = 10, m = 4;
  std::uint64_t edge_capacity_bytes = 8ull << 30, edge_window_bytes = 2ull << 30;
  double down_fraction = 0.02;
};

struct synthetic_fleet {
  std::vector<group_info> groups;      ///< "g<i>", zero-padded
  std::vector<content_info> contents;  ///< "c<i>", with made-up slice checksums
  std::vector<edge> edges;             ///< "e<i>"
  std::vector<request> history;        ///< sorted by time
};

[[nodiscard]] synthetic_fleet make_fleet(const synthetic_options& o);

} // namespace storemesh::services::delivery::planning
