// Edge selection: only up edges (never the origin) with room for the share,
// nearest first, ties by more room then name; every other edge says why.
#include "services/delivery/planning/edge_selection.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh::services::delivery;
using namespace storemesh::services::delivery::planning;

namespace {

edge make(std::string name, std::int64_t x, std::uint64_t free = 1000, std::uint64_t assigned = 0) {
  edge e;
  e.name = std::move(name);
  e.at = {x, 0};
  e.capacity_bytes = 1000;
  e.free_bytes = free;
  e.assigned_bytes = assigned;
  e.window_bytes = 100;
  return e;
}

std::vector<std::string> chosen(const std::vector<edge>& es, const edge_choice& c) {
  std::vector<std::string> out;
  for (auto i : c.chosen)
    out.push_back(es[i].name);
  return out;
}

std::string why(const edge_choice& c, const std::string& name) {
  for (const auto& s : c.skipped)
    if (s.name == name)
      return s.why;
  return "(chosen)";
}

} // namespace

BOOST_AUTO_TEST_SUITE(delivery_edge_selection)

BOOST_AUTO_TEST_CASE(the_nearest_edges_with_room_are_chosen_nearest_first) {
  const std::vector<edge> es = {make("far", 900), make("near", 10), make("mid", 300), make("farther", 1200)};
  const auto c = select_edges(es, {0, 0}, 100, 3);
  BOOST_TEST(chosen(es, c) == (std::vector<std::string>{"near", "mid", "far"}));
  BOOST_TEST(why(c, "farther") == "farther than the 3 chosen");
  BOOST_TEST(c.skipped.size() == 1u);
}

BOOST_AUTO_TEST_CASE(down_edges_the_origin_and_edges_without_room_for_the_share_are_skipped_with_why) {
  auto down = make("down", 1);
  down.up = false;
  auto origin = make("origin", 2);
  origin.origin = true;
  const std::vector<edge> es = {down, origin, make("full", 3, 1000, 950), make("low-free", 4, 90), make("ok", 500)};
  const auto c = select_edges(es, {0, 0}, 100, 5);
  BOOST_TEST(chosen(es, c) == (std::vector<std::string>{"ok"}));
  BOOST_TEST(why(c, "down") == "down");
  BOOST_TEST(why(c, "origin") == "the origin");
  BOOST_TEST(why(c, "full") == "room 50 B < share 100 B");  // 1000 free - 950 assigned
  BOOST_TEST(why(c, "low-free") == "room 90 B < share 100 B");
}

BOOST_AUTO_TEST_CASE(at_equal_distance_more_room_wins_then_the_name) {
  const std::vector<edge> es = {make("b", 100, 500), make("a", -100, 500), make("c", 0, 1000, 0),
                                make("roomy", 100, 900)};
  // c sits on the group; b, a and roomy at 100 m: roomy (900) first, then a and b by name
  const auto c = select_edges(es, {0, 0}, 10, 4);
  BOOST_TEST(chosen(es, c) == (std::vector<std::string>{"c", "roomy", "a", "b"}));
}

BOOST_AUTO_TEST_CASE(room_is_the_lesser_of_free_and_capacity_less_what_is_assigned) {
  auto e = make("e", 0, 5000, 200);  // reports more free than its capacity
  BOOST_TEST(room(e) == 800u);
  e.assigned_bytes = 2000;
  BOOST_TEST(room(e) == 0u);
}

BOOST_AUTO_TEST_CASE(without_explain_only_the_choice_is_returned) {
  const std::vector<edge> es = {make("a", 1), make("b", 2), make("c", 3)};
  const auto c = select_edges(es, {0, 0}, 1, 2, false);
  BOOST_TEST(chosen(es, c) == (std::vector<std::string>{"a", "b"}));
  BOOST_TEST(c.skipped.empty());
}

BOOST_AUTO_TEST_SUITE_END()
