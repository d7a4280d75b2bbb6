// The batch planner: order across groups, capacity and bandwidth shared by
// the batch, what is skipped and why, determinism.
#include "services/delivery/planning/planner.hpp"
#include "services/delivery/planning/synthetic_history.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>

using namespace storemesh::services::delivery;
using namespace storemesh::services::delivery::planning;

namespace {

constexpr std::int64_t day = ns_per_day, now = 100 * day;

content_info content(std::string name, std::uint64_t segs = 2, std::uint32_t k = 2, std::uint32_t m = 1) {
  content_info c;
  c.name = std::move(name);
  c.geometry = {segs * 4096, 4096, k, m};
  c.slice_crc32c.assign(segs * (k + m), 7);
  return c;
}

edge an_edge(std::string name, std::int64_t x, std::uint64_t capacity = 1 << 20) {
  edge e;
  e.name = std::move(name);
  e.at = {x, 0};
  e.capacity_bytes = e.free_bytes = capacity;
  e.window_bytes = 1 << 20;
  return e;
}

/// Two groups at x = 0 and x = 10000; three edges near each; g1 asks for "a" more than g2 for "b".
plan_input small() {
  plan_input in;
  in.groups = {{"g1", {0, 0}, 5}, {"g2", {10000, 0}, 3}};
  in.contents = {content("a"), content("b")};
  for (int i = 0; i < 3; ++i) {
    in.edges.push_back(an_edge("near1-" + std::to_string(i), 10 + i));
    in.edges.push_back(an_edge("near2-" + std::to_string(i), 10010 + i));
  }
  for (int d = 0; d < 5; ++d)
    in.history.push_back({"g1", "a", now - d * day});
  in.history.push_back({"g2", "b", now - day});
  in.settings.top_n = 1;
  in.now_ns = now;
  return in;
}

} // namespace

BOOST_AUTO_TEST_SUITE(delivery_planner)

BOOST_AUTO_TEST_CASE(each_group_gets_its_prediction_on_its_nearest_edges_highest_score_first) {
  const auto p = plan_batch(small());
  BOOST_REQUIRE(p.refused.empty());
  BOOST_REQUIRE(p.deliveries.size() == 2u);
  BOOST_TEST(p.deliveries[0].group == "g1");
  BOOST_TEST(p.deliveries[0].content == "a");
  BOOST_TEST(p.deliveries[0].why == "requested 5x, last 0 min ago; #1 of 1");
  BOOST_TEST(p.deliveries[0].edges == (std::vector<std::string>{"near1-0", "near1-1", "near1-2"}));
  BOOST_TEST(p.deliveries[1].edges == (std::vector<std::string>{"near2-0", "near2-1", "near2-2"}));
  BOOST_TEST(p.deliveries[0].score > p.deliveries[1].score);
  // k = 2, m = 1 on 3 edges: one slice per edge per segment, 2 segments of 2048 B slices
  BOOST_TEST(p.deliveries[0].placements.size() == 6u);
  BOOST_TEST(p.deliveries[0].bytes == 6u * 2048);
  BOOST_TEST(p.deliveries[0].tolerance == 1u);
  BOOST_TEST(p.edge_window_bytes.at("near1-0").at(0) == 2u * 2048);
  BOOST_TEST(p.window_bytes.at(0) == 12u * 2048);
  BOOST_TEST(p.skipped.empty());
}

BOOST_AUTO_TEST_CASE(capacity_taken_by_a_higher_score_is_not_offered_again) {
  auto in = small();
  in.groups[1].at = {0, 0};  // both groups at the same place
  in.edges.resize(3);        // three edges in all, each with room for one delivery's share (2 slices)
  for (auto& e : in.edges)
    e.capacity_bytes = e.free_bytes = 2 * 2048;
  const auto p = plan_batch(in);
  BOOST_REQUIRE(p.deliveries.size() == 1u);
  BOOST_TEST(p.deliveries[0].group == "g1");
  BOOST_REQUIRE(p.skipped.size() == 1u);
  BOOST_TEST(p.skipped[0].group == "g2");
  BOOST_TEST(p.skipped[0].why == "only 0 up edges have room for a share of 4096 B (at least 2 needed)");
}

BOOST_AUTO_TEST_CASE(the_window_cap_is_shared_too) {
  auto in = small();
  in.settings.window_total_bytes = 6 * 2048;  // one delivery per window
  in.settings.max_windows = 2;
  auto p = plan_batch(in);
  BOOST_REQUIRE(p.deliveries.size() == 2u);
  BOOST_TEST(p.deliveries[0].windows == 1u);
  BOOST_TEST(p.deliveries[1].windows == 2u);
  for (const auto& pl : p.deliveries[1].placements)
    BOOST_TEST(pl.window == 1u);
  in.settings.max_windows = 1;
  p = plan_batch(in);
  BOOST_TEST(p.deliveries.size() == 1u);
  BOOST_REQUIRE(p.skipped.size() == 1u);
  BOOST_TEST(p.skipped[0].why.find("fits none of the 1 windows") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(already_planned_and_unknown_contents_are_skipped_with_why) {
  auto in = small();
  in.planned.insert(delivery_id("g1", "a"));
  in.contents.pop_back();  // "b" is not at the origin
  const auto p = plan_batch(in);
  BOOST_TEST(p.deliveries.empty());
  BOOST_REQUIRE(p.skipped.size() == 2u);
  BOOST_TEST(p.skipped[0].why == "already planned");
  BOOST_TEST(p.skipped[1].why == "not at the origin");
}

BOOST_AUTO_TEST_CASE(with_fewer_edges_with_room_it_plans_on_fewer_down_to_min_edges) {
  auto in = small();
  in.groups.pop_back();                          // g1 alone
  in.contents = {content("a", 2, 3, 2)};         // k + m = 5
  in.edges.resize(4);                            // near1-0, near2-0, near1-1, near2-1
  auto p = plan_batch(in);
  BOOST_REQUIRE(p.deliveries.size() == 1u);
  BOOST_TEST(p.deliveries[0].edges == (std::vector<std::string>{"near1-0", "near1-1", "near2-0", "near2-1"}));
  BOOST_TEST(p.deliveries[0].placements.size() == 10u);  // all 5 pillars of both segments
  in.edges[2].up = in.edges[3].up = false;                // 2 up: fewer than k = 3
  p = plan_batch(in);
  BOOST_TEST(p.deliveries.empty());
  BOOST_REQUIRE(p.skipped.size() == 1u);
  BOOST_TEST(p.skipped[0].why == "only 2 up edges have room for a share of 2816 B (at least 3 needed)");
  in.settings.min_edges = 2;  // the operator accepts two edges that together rebuild
  p = plan_batch(in);
  BOOST_REQUIRE(p.deliveries.size() == 1u);
  BOOST_TEST(p.deliveries[0].edges.size() == 2u);
  BOOST_TEST(p.deliveries[0].placements.size() == 8u);  // 2 of each segment per edge (k - 1)
  BOOST_TEST(p.deliveries[0].tolerance == 0u);
}

BOOST_AUTO_TEST_CASE(bad_settings_refuse_the_batch) {
  auto in = small();
  in.settings.max_windows = 0;
  BOOST_TEST(plan_batch(in).refused == "max_windows must be >= 1");
  in = small();
  in.settings.model.half_life_ns = -1;
  BOOST_TEST(plan_batch(in).refused == "half-life must be > 0");
}

BOOST_AUTO_TEST_CASE(a_synthetic_fleet_is_planned_within_every_edges_room_and_caps_the_same_every_time) {
  synthetic_options o;
  o.groups = 200;
  o.contents = 2000;
  o.edges = 60;
  o.requests = 20'000;
  o.max_bytes = 64 << 20;
  o.edge_capacity_bytes = 1ull << 30;
  o.edge_window_bytes = 256 << 20;
  const auto f = make_fleet(o);
  plan_input in;
  in.groups = f.groups;
  in.contents = f.contents;
  in.edges = f.edges;
  in.history = f.history;
  in.settings.top_n = 3;
  in.settings.window_total_bytes = 4ull << 30;
  in.now_ns = f.history.back().at_ns + 1;
  const auto p = plan_batch(in);
  BOOST_REQUIRE(p.refused.empty());
  BOOST_TEST(p.deliveries.size() > 300u);
  BOOST_TEST(p.deliveries.size() + p.skipped.size() == 600u);
  std::map<std::string, std::uint64_t> held;
  for (std::size_t i = 0; i < p.deliveries.size(); ++i) {
    const auto& d = p.deliveries[i];
    if (i > 0)
      BOOST_TEST(p.deliveries[i - 1].score >= d.score);
    for (const auto& pl : d.placements)
      held[pl.edge] += d.bytes / d.placements.size();
  }
  for (const auto& e : f.edges) {
    BOOST_TEST(held[e.name] <= room(e), e.name);
    if (!e.up)
      BOOST_TEST(held[e.name] == 0u);
    if (auto w = p.edge_window_bytes.find(e.name); w != p.edge_window_bytes.end())
      for (auto b : w->second)
        BOOST_TEST(b <= e.window_bytes);
  }
  for (auto b : p.window_bytes)
    BOOST_TEST(b <= in.settings.window_total_bytes);
  const auto again = plan_batch(in);
  BOOST_REQUIRE(again.deliveries.size() == p.deliveries.size());
  // (fields compared one by one: placement's operator== lives in process.cpp, not linked here)
  auto same = [](const process::placement& a, const process::placement& b) {
    return a.segment == b.segment && a.pillar == b.pillar && a.edge == b.edge && a.window == b.window &&
           a.crc32c == b.crc32c;
  };
  for (std::size_t i = 0; i < p.deliveries.size(); ++i) {
    const auto& x = again.deliveries[i].placements;
    const auto& y = p.deliveries[i].placements;
    BOOST_TEST((x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin(), same)));
  }
}

BOOST_AUTO_TEST_SUITE_END()
