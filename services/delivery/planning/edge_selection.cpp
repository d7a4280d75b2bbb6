#include "services/delivery/planning/edge_selection.hpp"

#include <algorithm>
#include <tuple>

namespace storemesh::services::delivery::planning {

std::uint64_t room(const edge& e) {
  const auto have = std::min(e.free_bytes, e.capacity_bytes);
  return have > e.assigned_bytes ? have - e.assigned_bytes : 0;
}

edge_choice select_edges(const std::vector<edge>& edges, delivery::location at, std::uint64_t share_bytes,
                         std::size_t want, bool explain) {
  struct key {
    double distance;  // squared: the same order as distance_m, without a hypot per edge
    std::uint64_t room;
    std::size_t index;
  };
  std::vector<key> eligible;
  eligible.reserve(edges.size());
  for (std::size_t i = 0; i < edges.size(); ++i) {
    const auto& e = edges[i];
    const auto r = room(e);
    if (!e.origin && e.up && r >= share_bytes && r > 0) {
      const auto dx = static_cast<double>(e.at.x_m - at.x_m), dy = static_cast<double>(e.at.y_m - at.y_m);
      eligible.push_back({dx * dx + dy * dy, r, i});
    }
  }
  auto before = [&](const key& a, const key& b) {
    if (a.distance != b.distance)
      return a.distance < b.distance;
    if (a.room != b.room)
      return a.room > b.room;
    return edges[a.index].name < edges[b.index].name;
  };
  const auto keep = std::min(want, eligible.size());
  // the nearest `keep` first (linear), then only those sorted
  if (keep < eligible.size())
    std::nth_element(eligible.begin(), eligible.begin() + static_cast<std::ptrdiff_t>(keep), eligible.end(), before);
  std::sort(eligible.begin(), eligible.begin() + static_cast<std::ptrdiff_t>(keep), before);

  edge_choice out;
  out.chosen.reserve(keep);
  for (std::size_t i = 0; i < keep; ++i)
    out.chosen.push_back(eligible[i].index);
  if (!explain)
    return out;
  std::vector<bool> chosen(edges.size(), false);
  for (auto i : out.chosen)
    chosen[i] = true;
  for (std::size_t i = 0; i < edges.size(); ++i) {
    if (chosen[i])
      continue;
    const auto& e = edges[i];
    std::string why;
    if (e.origin)
      why = "the origin";
    else if (!e.up)
      why = "down";
    else if (room(e) < share_bytes || room(e) == 0)
      why = "room " + std::to_string(room(e)) + " B < share " + std::to_string(share_bytes) + " B";
    else
      why = "farther than the " + std::to_string(keep) + " chosen";
    out.skipped.push_back({e.name, std::move(why)});
  }
  return out;
}

} // namespace storemesh::services::delivery::planning
