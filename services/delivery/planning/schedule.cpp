#include "services/delivery/planning/schedule.hpp"

#include <algorithm>

namespace storemesh::services::delivery::planning {

std::uint64_t window_loads::edge_at(const std::string& edge, std::uint32_t window) const {
  auto it = per_edge.find(edge);
  return it == per_edge.end() || window >= it->second.size() ? 0 : it->second[window];
}

std::uint64_t window_loads::total_at(std::uint32_t window) const {
  return window >= total.size() ? 0 : total[window];
}

namespace {

/// E used of `edges` given, and P placed per segment; false when the rule refuses.
bool shape(const delivery::geometry& g, std::size_t edges, std::uint32_t& used, std::uint32_t& placed) {
  const auto n = pillars(g);
  if (g.k < 2 || edges < 2 || n == 0)
    return false;
  used = static_cast<std::uint32_t>(std::min<std::size_t>(edges, n));
  placed = std::min<std::uint32_t>(n, used * (g.k - 1));
  return true;
}

/// Losing the L fullest edges of a segment (r edges with base + 1 slices, the rest base) must leave >= k.
std::uint32_t tolerance_of(std::uint32_t used, std::uint32_t placed, std::uint32_t k) {
  const auto base = placed / used, r = placed % used;
  std::uint32_t lost = 0, left = placed;
  for (std::uint32_t l = 0; l < used; ++l) {
    const auto fullest = l < r ? base + 1 : base;
    if (left - fullest < k)
      break;
    left -= fullest;
    ++lost;
  }
  return lost;
}

} // namespace

std::vector<std::uint64_t> slices_per_edge(const delivery::geometry& g, std::size_t edges) {
  std::uint32_t used = 0, placed = 0;
  if (!check_geometry(g).empty() || !shape(g, edges, used, placed))
    return {};
  // segment s gives P / E to every edge and one more to the r = P % E edges s, s+1, ... (mod E)
  const auto S = segments(g);
  const auto base = placed / used, r = placed % used;
  std::vector<std::uint64_t> count(used, S * base + (S / used) * r);
  for (std::uint64_t s = 0; s < S % used; ++s)
    for (std::uint32_t j = 0; j < r; ++j)
      ++count[(s + j) % used];
  return count;
}

std::uint64_t share_bytes(const delivery::geometry& g, std::size_t edges) {
  const auto count = slices_per_edge(g, edges);
  return count.empty() ? 0 : *std::max_element(count.begin(), count.end()) * slice_bytes(g);
}

schedule make_schedule(const schedule_input& in, const window_loads& loads) {
  schedule out;
  const auto& g = in.geometry;
  if (auto why = check_geometry(g); !why.empty()) {
    out.refused = "geometry: " + why;
    return out;
  }
  const auto S = segments(g);
  const auto n = pillars(g);
  if (in.slice_crc32c.size() != S * n) {
    out.refused = "the content has " + std::to_string(in.slice_crc32c.size()) + " slice checksums, its geometry " +
                  std::to_string(S * n);
    return out;
  }
  if (g.k < 2) {
    out.refused = "k = 1: every slice is a whole segment, so any edge holding one would hold the content";
    return out;
  }
  std::uint32_t used = 0, placed = 0;
  const auto least = std::max<std::uint32_t>(2, in.min_edges);
  if (!shape(g, in.edges.size(), used, placed) || used < least) {
    out.refused = std::to_string(in.edges.size()) + " edges chosen, at least " + std::to_string(least) +
                  " needed (fewer than k = " + std::to_string(g.k) + " slices of a segment on each)";
    return out;
  }
  for (std::uint32_t e = 0; e < used; ++e)
    for (std::uint32_t f = 0; f < e; ++f)
      if (in.edges[e].name == in.edges[f].name) {
        out.refused = "edge " + in.edges[e].name + " chosen twice";
        return out;
      }
  if (in.max_windows < 1) {
    out.refused = "max_windows must be >= 1";
    return out;
  }
  const auto sb = slice_bytes(g);
  const auto W = in.max_windows;
  for (std::uint32_t e = 0; e < used; ++e)
    if (in.edges[e].window_bytes != 0 && in.edges[e].window_bytes < sb) {
      out.refused = "edge " + in.edges[e].name + " takes " + std::to_string(in.edges[e].window_bytes) +
                    " B per window, a slice is " + std::to_string(sb) + " B";
      return out;
    }
  if (in.window_total_bytes != 0 && in.window_total_bytes < sb) {
    out.refused = "the total window cap " + std::to_string(in.window_total_bytes) + " B is under a slice's " +
                  std::to_string(sb) + " B";
    return out;
  }

  // this delivery's view of the loads: the earlier deliveries' plus its own so far
  std::vector<std::vector<std::uint64_t>> edge_load(used, std::vector<std::uint64_t>(W, 0));
  std::vector<std::uint64_t> total(W, 0);
  for (std::uint32_t w = 0; w < W; ++w)
    total[w] = loads.total_at(w);
  for (std::uint32_t e = 0; e < used; ++e)
    if (auto it = loads.per_edge.find(in.edges[e].name); it != loads.per_edge.end())
      std::copy_n(it->second.begin(), std::min<std::size_t>(W, it->second.size()), edge_load[e].begin());
  // loads only grow: windows found full for a slice stay full for the next (same size)
  std::vector<std::uint32_t> edge_from(used, 0);
  std::uint32_t total_from = 0;
  auto edge_fits = [&](std::uint32_t e, std::uint32_t w) {
    return in.edges[e].window_bytes == 0 || edge_load[e][w] + sb <= in.edges[e].window_bytes;
  };
  auto total_fits = [&](std::uint32_t w) { return in.window_total_bytes == 0 || total[w] + sb <= in.window_total_bytes; };

  out.placements.reserve(S * placed);
  std::uint32_t last = 0;
  for (std::uint64_t s = 0; s < S; ++s)
    for (std::uint32_t j = 0; j < placed; ++j) {
      const auto e = static_cast<std::uint32_t>((s + j) % used);
      while (edge_from[e] < W && !edge_fits(e, edge_from[e]))
        ++edge_from[e];
      while (total_from < W && !total_fits(total_from))
        ++total_from;
      std::uint32_t w = std::max(edge_from[e], total_from);
      while (w < W && !(edge_fits(e, w) && total_fits(w)))
        ++w;
      if (w == W) {
        schedule refused;
        refused.refused = "slice " + std::to_string(s) + "." + std::to_string(j) + " for edge " + in.edges[e].name +
                          " fits none of the " + std::to_string(W) + " windows (per-edge or total cap)";
        return refused;
      }
      edge_load[e][w] += sb;
      total[w] += sb;
      last = std::max(last, w);
      out.placements.push_back({static_cast<std::uint32_t>(s), j, in.edges[e].name, w, in.slice_crc32c[s * n + j]});
    }
  for (std::uint32_t e = 0; e < used; ++e)
    out.edges.push_back(in.edges[e].name);
  for (const auto& p : out.placements)
    out.edge_bytes[p.edge] += sb;
  out.windows = last + 1;
  out.placed_per_segment = placed;
  out.tolerance = tolerance_of(used, placed, g.k);
  return out;
}

void add(window_loads& loads, const schedule& s, std::uint64_t slice_bytes) {
  for (const auto& p : s.placements) {
    auto& e = loads.per_edge[p.edge];
    if (e.size() <= p.window)
      e.resize(p.window + 1, 0);
    if (loads.total.size() <= p.window)
      loads.total.resize(p.window + 1, 0);
    e[p.window] += slice_bytes;
    loads.total[p.window] += slice_bytes;
  }
}

} // namespace storemesh::services::delivery::planning
