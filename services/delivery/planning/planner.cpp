#include "services/delivery/planning/planner.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <tuple>
#include <unordered_map>

namespace storemesh::services::delivery::planning {

std::string check_settings(const planner_settings& s) {
  if (auto why = check_settings(s.model); !why.empty())
    return why;
  if (s.top_n < 1)
    return "top_n must be >= 1";
  if (!std::isfinite(s.min_score))
    return "min_score must be a finite number";
  if (s.edges_per_delivery == 1)
    return "edges_per_delivery must be 0 (k + m) or >= 2";
  if (s.min_edges == 1)
    return "min_edges must be 0 (k) or >= 2";
  if (s.max_windows < 1)
    return "max_windows must be >= 1";
  return {};
}

batch_plan plan_batch(const plan_input& in) {
  if (auto why = check_settings(in.settings); !why.empty())
    return batch_plan{why, {}, {}, {}, {}, 0};
  return plan_batch(in, preference_index(in.history, in.settings.model, in.now_ns));
}

namespace {

struct candidate {
  std::size_t group, content;
  double score;
  std::string why;
};

} // namespace

batch_plan plan_batch(const plan_input& in, const preference_index& model) {
  batch_plan out;
  const auto& st = in.settings;
  if (out.refused = check_settings(st); !out.refused.empty())
    return out;
  if (!model.error().empty()) {
    out.refused = "model: " + model.error();
    return out;
  }
  std::unordered_map<std::string_view, std::size_t> content_at;
  content_at.reserve(in.contents.size() * 2);
  for (std::size_t i = 0; i < in.contents.size(); ++i)
    content_at.emplace(in.contents[i].name, i);

  // -- 1. each group's predictions
  std::vector<candidate> cands;
  std::vector<prediction> popular;
  if (st.kind == model_kind::popularity)
    popular = model.popular(st.top_n);
  for (std::size_t g = 0; g < in.groups.size(); ++g) {
    const auto& group = in.groups[g];
    const auto predicted = st.kind == model_kind::popularity ? popular : model.predict(group.name, st.top_n);
    for (std::size_t r = 0; r < predicted.size(); ++r) {
      const auto& p = predicted[r];
      if (p.score < st.min_score)
        continue;
      if (in.planned.count(delivery_id(group.name, p.content)) != 0) {
        out.skipped.push_back({group.name, p.content, "already planned"});
        continue;
      }
      auto c = content_at.find(p.content);
      if (c == content_at.end()) {
        out.skipped.push_back({group.name, p.content, "not at the origin"});
        continue;
      }
      cands.push_back({g, c->second, p.score,
                       p.why + "; #" + std::to_string(r + 1) + " of " + std::to_string(predicted.size())});
    }
  }
  // -- 2. highest score first across all groups, then by names
  std::sort(cands.begin(), cands.end(), [&](const candidate& a, const candidate& b) {
    if (a.score != b.score)
      return a.score > b.score;
    return std::tie(in.groups[a.group].name, in.contents[a.content].name) <
           std::tie(in.groups[b.group].name, in.contents[b.content].name);
  });

  // -- 3. one by one, against what the ones before took
  auto edges = in.edges;
  window_loads loads;
  for (const auto& cd : cands) {
    const auto& group = in.groups[cd.group];
    const auto& content = in.contents[cd.content];
    const auto& g = content.geometry;
    auto skip = [&](std::string why) { out.skipped.push_back({group.name, content.name, std::move(why)}); };
    if (auto why = check_geometry(g); !why.empty()) {
      skip("geometry: " + why);
      continue;
    }
    if (g.k < 2) {
      skip("k = 1: any edge holding a slice would hold the content");
      continue;
    }
    const std::uint32_t n = pillars(g);
    const std::uint32_t want = st.edges_per_delivery == 0 ? n : std::min(st.edges_per_delivery, n);
    const std::uint32_t least = std::max<std::uint32_t>(2, st.min_edges == 0 ? g.k : st.min_edges);
    if (want < least) {
      skip("edges_per_delivery " + std::to_string(want) + " < the " + std::to_string(least) + " needed");
      continue;
    }
    // the most edges (up to want) that each have room for their share at that many
    edge_choice choice;
    std::size_t tried = want, found = 0;
    std::uint64_t share = 0;
    for (std::size_t e = want; e >= least;) {
      share = share_bytes(g, e);
      choice = select_edges(edges, group.at, share, e, false);
      tried = e;
      found = choice.chosen.size();
      if (found == e)
        break;
      e = std::min(e - 1, found);
    }
    if (found != tried || found < least) {
      skip("only " + std::to_string(found) + " up edges have room for a share of " + std::to_string(share) +
           " B (at least " + std::to_string(least) + " needed)");
      continue;
    }
    schedule_input si;
    si.content = content.name;
    si.geometry = g;
    si.slice_crc32c = content.slice_crc32c;
    for (auto i : choice.chosen)
      si.edges.push_back({edges[i].name, edges[i].window_bytes});
    si.window_total_bytes = st.window_total_bytes;
    si.max_windows = st.max_windows;
    si.min_edges = least;
    auto sc = make_schedule(si, loads);
    if (!sc.refused.empty()) {
      skip(sc.refused);
      continue;
    }
    const auto sb = slice_bytes(g);
    add(loads, sc, sb);
    for (auto i : choice.chosen)
      if (auto b = sc.edge_bytes.find(edges[i].name); b != sc.edge_bytes.end())
        edges[i].assigned_bytes += b->second;
    planned_delivery d;
    d.group = group.name;
    d.content = content.name;
    d.score = cd.score;
    d.why = cd.why;
    d.edges = std::move(sc.edges);
    d.bytes = sc.placements.size() * sb;
    d.placements = std::move(sc.placements);
    d.windows = sc.windows;
    d.tolerance = sc.tolerance;
    out.windows = std::max(out.windows, d.windows);
    out.deliveries.push_back(std::move(d));
  }
  for (auto& [edge, bytes] : loads.per_edge)
    out.edge_window_bytes.emplace(edge, std::move(bytes));
  out.window_bytes = std::move(loads.total);
  return out;
}

} // namespace storemesh::services::delivery::planning
