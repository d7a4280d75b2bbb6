// The partial-download schedule: the dispersal rule and the window caps,
// on chosen examples and as properties over random inputs (rapidcheck),
// where "any k of the used edges rebuild every segment" is checked by
// enumerating the subsets.
#include "services/delivery/planning/schedule.hpp"

#include <boost/test/unit_test.hpp>
#include <rapidcheck.h>

#include <algorithm>
#include <map>
#include <set>

using namespace storemesh::services::delivery;
using namespace storemesh::services::delivery::planning;

namespace {

schedule_input input(std::uint32_t k, std::uint32_t m, std::uint64_t segs, std::size_t edges,
                     std::uint64_t window_bytes = 0, std::uint64_t total = 0, std::uint32_t max_windows = 16) {
  schedule_input in;
  in.content = "movie";
  in.geometry = {segs * 4096 - 100, 4096, k, m};
  in.slice_crc32c.resize(segs * (k + m));
  for (std::size_t i = 0; i < in.slice_crc32c.size(); ++i)
    in.slice_crc32c[i] = static_cast<std::uint32_t>(i * 2654435761u);
  for (std::size_t e = 0; e < edges; ++e)
    in.edges.push_back({"e" + std::to_string(e), window_bytes});
  in.window_total_bytes = total;
  in.max_windows = max_windows;
  return in;
}

/// Every invariant the header promises; "" when all hold, else the first broken one.
std::string broken(const schedule_input& in, const window_loads& before, const schedule& s) {
  const auto& g = in.geometry;
  const auto sb = slice_bytes(g);
  const std::size_t used = std::min<std::size_t>(in.edges.size(), pillars(g));
  std::map<std::pair<std::string, std::uint32_t>, std::uint64_t> edge_window;
  std::map<std::uint32_t, std::uint64_t> window;
  std::map<std::uint32_t, std::map<std::string, std::set<std::uint32_t>>> held;  // segment -> edge -> pillars
  std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
  for (const auto& p : s.placements) {
    if (!seen.insert({p.segment, p.pillar}).second)
      return "slice placed twice";
    if (p.window >= in.max_windows || p.window >= s.windows)
      return "window out of range";
    if (p.crc32c != in.slice_crc32c[p.segment * pillars(g) + p.pillar])
      return "wrong crc";
    edge_window[{p.edge, p.window}] += sb;
    window[p.window] += sb;
    held[p.segment][p.edge].insert(p.pillar);
  }
  for (const auto& [ew, bytes] : edge_window) {
    const auto cap = std::find_if(in.edges.begin(), in.edges.end(), [&](auto& e) { return e.name == ew.first; })->window_bytes;
    if (cap != 0 && bytes + before.edge_at(ew.first, ew.second) > cap)
      return "edge window cap exceeded";
  }
  for (const auto& [w, bytes] : window)
    if (in.window_total_bytes != 0 && bytes + before.total_at(w) > in.window_total_bytes)
      return "total window cap exceeded";
  if (held.size() != segments(g))
    return "a segment has no placement";
  for (const auto& [seg, edges] : held) {
    for (const auto& [e, ps] : edges)
      if (ps.size() >= g.k)
        return "an edge holds k or more slices of a segment";
    // every min(k, used)-subset of the used edges holds >= k pillars (enumerated)
    const std::size_t pick = std::min<std::size_t>(g.k, used);
    std::vector<bool> mask(used, false);
    std::fill(mask.begin(), mask.begin() + static_cast<std::ptrdiff_t>(pick), true);
    do {
      std::size_t pillars_held = 0;
      for (std::size_t e = 0; e < used; ++e)
        if (mask[e]) {
          auto it = edges.find(in.edges[e].name);
          pillars_held += it == edges.end() ? 0 : it->second.size();
        }
      if (pillars_held < g.k)
        return "a subset of " + std::to_string(pick) + " used edges cannot rebuild segment " + std::to_string(seg);
    } while (std::prev_permutation(mask.begin(), mask.end()));
    if (used >= pillars(g) && edges.size() != pillars(g))
      return "with k + m edges a segment is not on all of them";
  }
  return {};
}

} // namespace

BOOST_AUTO_TEST_SUITE(delivery_schedule)

BOOST_AUTO_TEST_CASE(with_k_plus_m_edges_each_holds_one_slice_per_segment_and_parity_rotates) {
  const auto in = input(4, 2, 6, 6);
  const auto s = make_schedule(in, {});
  BOOST_REQUIRE(s.refused.empty());
  BOOST_TEST(broken(in, {}, s) == "");
  BOOST_TEST(s.placements.size() == 36u);
  BOOST_TEST(s.placed_per_segment == 6u);
  BOOST_TEST(s.tolerance == 2u);  // m
  BOOST_TEST(s.windows == 1u);
  // every edge holds parity (pillar >= k) of some segment and data of another
  std::map<std::string, std::set<bool>> kinds;
  for (const auto& p : s.placements)
    kinds[p.edge].insert(p.pillar >= 4);
  for (const auto& [e, k] : kinds)
    BOOST_TEST(k.size() == 2u, e << " holds only data or only parity");
}

BOOST_AUTO_TEST_CASE(with_fewer_edges_each_holds_at_most_k_minus_1_of_a_segment) {
  // k = 4, m = 4, 3 edges: P = min(8, 3 * 3) = 8, 3 + 3 + 2 per segment; losing one edge leaves 5 >= 4
  const auto in = input(4, 4, 5, 3);
  const auto s = make_schedule(in, {});
  BOOST_REQUIRE(s.refused.empty());
  BOOST_TEST(broken(in, {}, s) == "");
  BOOST_TEST(s.placed_per_segment == 8u);
  BOOST_TEST(s.tolerance == 1u);
  // k = 3, m = 1, 2 edges: P = min(4, 2 * 2) = 4, 2 each: both needed
  const auto two = make_schedule(input(3, 1, 2, 2), {});
  BOOST_REQUIRE(two.refused.empty());
  BOOST_TEST(two.placed_per_segment == 4u);
  BOOST_TEST(two.tolerance == 0u);
}

BOOST_AUTO_TEST_CASE(more_edges_than_pillars_use_only_the_nearest_k_plus_m) {
  const auto s = make_schedule(input(3, 2, 4, 9), {});
  BOOST_REQUIRE(s.refused.empty());
  BOOST_TEST(s.edges == (std::vector<std::string>{"e0", "e1", "e2", "e3", "e4"}));
}

BOOST_AUTO_TEST_CASE(what_the_rule_cannot_satisfy_is_refused_with_why) {
  BOOST_TEST(make_schedule(input(1, 2, 2, 3), {}).refused.find("k = 1") == 0u);
  BOOST_TEST(make_schedule(input(4, 2, 2, 1), {}).refused.find("1 edges chosen, at least 2 needed") == 0u);
  auto in = input(4, 2, 2, 3);
  in.min_edges = 4;
  BOOST_TEST(make_schedule(in, {}).refused.find("3 edges chosen, at least 4") == 0u);
  in = input(4, 2, 2, 3);
  in.slice_crc32c.pop_back();
  BOOST_TEST(!make_schedule(in, {}).refused.empty());
  in = input(4, 2, 2, 3);
  in.edges[1].name = "e0";
  BOOST_TEST(make_schedule(in, {}).refused == "edge e0 chosen twice");
  // a slice is 1024 B: a cap of 1000 per window never takes one
  BOOST_TEST(make_schedule(input(4, 2, 2, 6, 1000), {}).refused.find("edge e0 takes 1000 B per window") == 0u);
}

BOOST_AUTO_TEST_CASE(slices_go_to_the_earliest_window_under_both_caps_counting_earlier_loads) {
  // 6 edges x 1 slice (1024 B) per segment, 4 segments; each edge takes 2 slices per window
  auto in = input(4, 2, 4, 6, 2048);
  auto s = make_schedule(in, {});
  BOOST_REQUIRE(s.refused.empty());
  BOOST_TEST(s.windows == 2u);
  for (const auto& p : s.placements)
    BOOST_TEST(p.window == p.segment / 2);  // segment order: whole segments in the early windows
  // an earlier delivery filled window 0 of e0: e0's slices start in window 1
  window_loads loads;
  add(loads, s, 1024);  // the first delivery: every edge full in windows 0 and 1
  s = make_schedule(in, loads);
  BOOST_REQUIRE(s.refused.empty());
  BOOST_TEST(s.windows == 4u);
  BOOST_TEST(broken(in, loads, s) == "");
  // a total cap of 3 slices per window: 24 slices need 8 windows; with max_windows 7 it is refused
  in = input(4, 2, 4, 6, 0, 3 * 1024, 8);
  s = make_schedule(in, {});
  BOOST_REQUIRE(s.refused.empty());
  BOOST_TEST(s.windows == 8u);
  in.max_windows = 7;
  BOOST_TEST(make_schedule(in, {}).refused.find("fits none of the 7 windows") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(slices_per_edge_matches_the_schedule) {
  for (std::uint32_t k = 2; k <= 5; ++k)
    for (std::uint32_t m = 1; m <= 3; ++m)
      for (std::size_t e = 2; e <= k + m + 1; ++e) {
        const auto in = input(k, m, 7, e);
        const auto s = make_schedule(in, {});
        BOOST_REQUIRE(s.refused.empty());
        const auto count = slices_per_edge(in.geometry, e);
        for (std::size_t i = 0; i < count.size(); ++i)
          BOOST_TEST(count[i] * slice_bytes(in.geometry) == s.edge_bytes.at(in.edges[i].name));
        BOOST_TEST(share_bytes(in.geometry, e) ==
                   *std::max_element(count.begin(), count.end()) * slice_bytes(in.geometry));
      }
}

BOOST_AUTO_TEST_CASE(random_inputs_keep_every_invariant) {
  const bool ok = rc::check("schedule invariants", [] {
    const auto k = *rc::gen::inRange<std::uint32_t>(2, 7);
    const auto m = *rc::gen::inRange<std::uint32_t>(1, 5);
    const auto segs = *rc::gen::inRange<std::uint64_t>(1, 9);
    const auto edges = *rc::gen::inRange<std::size_t>(2, k + m + 3);
    const auto sb = slice_bytes({1, 4096, k, m});
    const auto max_windows = *rc::gen::inRange<std::uint32_t>(1, 12);
    // caps in slices (0 = none), and loads earlier deliveries left
    auto in = input(k, m, segs, edges, 0, *rc::gen::inRange<std::uint64_t>(0, 20) * sb, max_windows);
    for (auto& e : in.edges)
      e.window_bytes = *rc::gen::inRange<std::uint64_t>(0, 5) * sb;
    window_loads before;
    for (std::uint32_t w = 0; w < max_windows; ++w) {
      before.total.push_back(*rc::gen::inRange<std::uint64_t>(0, 3) * sb);
      for (const auto& e : in.edges)
        before.per_edge[e.name].push_back(*rc::gen::inRange<std::uint64_t>(0, 2) * sb);
    }
    const auto s = make_schedule(in, before);
    if (!s.refused.empty()) {
      // only the windows may refuse here (k >= 2, >= 2 distinct edges): a cap under a slice or none left
      RC_ASSERT(s.refused.find("window") != std::string::npos);
      return;
    }
    RC_ASSERT(broken(in, before, s) == "");
    const auto used = std::min<std::size_t>(edges, k + m);
    RC_ASSERT(s.placed_per_segment == std::min<std::uint32_t>(k + m, static_cast<std::uint32_t>(used) * (k - 1)));
    RC_ASSERT(s.placements.size() == segs * s.placed_per_segment);
  });
  BOOST_TEST(ok);
}

BOOST_AUTO_TEST_CASE(without_caps_two_or_more_edges_are_always_scheduled) {
  const bool ok = rc::check("no caps, no refusal", [] {
    const auto k = *rc::gen::inRange<std::uint32_t>(2, 9);
    const auto m = *rc::gen::inRange<std::uint32_t>(1, 5);
    const auto edges = *rc::gen::inRange<std::size_t>(2, k + m + 3);
    const auto in = input(k, m, *rc::gen::inRange<std::uint64_t>(1, 6), edges);
    const auto s = make_schedule(in, {});
    RC_ASSERT(s.refused.empty());
    RC_ASSERT(broken(in, {}, s) == "");
  });
  BOOST_TEST(ok);
}

BOOST_AUTO_TEST_SUITE_END()
