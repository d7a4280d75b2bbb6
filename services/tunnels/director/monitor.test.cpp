#include "services/tunnels/director/monitor.hpp"
#include "services/tunnels/director/pacer.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh::services;
using namespace storemesh::services::director;

namespace {

cluster::public_key key(std::uint8_t b) {
  cluster::public_key k;
  k.bytes.fill(b);
  return k;
}

/// Target 2: m1, m2 members; n1, n2 nodes.
cluster::state two_members_two_nodes() {
  cluster::state s;
  cluster::config c;
  c.target = 2;
  c.grace_ns = 10'000'000'000;
  c.max_lag = 10;
  c.phi_threshold = 8;
  c.heartbeat_interval_ns = 100'000'000;
  for (const auto& e : std::vector<cluster::event>{
           cluster::configured{c},
           cluster::server_added{{"m1", key(1), "a", "127.0.0.1:1"}},
           cluster::server_added{{"m2", key(2), "b", "127.0.0.1:2"}},
           cluster::node_added{{"n1", key(3), "a", "127.0.0.1:3"}},
           cluster::node_added{{"n2", key(4), "b", "127.0.0.1:4"}},
       })
    s = cluster::evolve(std::move(s), e);
  return s;
}

observation all_healthy(std::uint64_t head) {
  observation o;
  o.observer = "director";
  o.head_offset = head;
  o.now_ns = 5'000'000'000;
  for (const char* id : {"m1", "m2", "n1", "n2"})
    o.peers[id] = peer_facts{0.5, 4'900'000'000, head};
  return o;
}

template <class T>
std::vector<T> of_type(const std::vector<cluster::command>& cs) {
  std::vector<T> out;
  for (const auto& c : cs)
    if (const auto* t = std::get_if<T>(&c))
      out.push_back(*t);
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(director_monitor)

BOOST_AUTO_TEST_CASE(a_healthy_quorum_needs_nothing) {
  BOOST_TEST(assess(two_members_two_nodes(), all_healthy(100)).empty());
}

BOOST_AUTO_TEST_CASE(a_suspected_member_is_reported_lost_with_its_phi) {
  auto o = all_healthy(100);
  o.peers["m1"].phi = 9.5;
  auto lost = of_type<cluster::report_lost>(assess(two_members_two_nodes(), o));
  BOOST_REQUIRE_EQUAL(lost.size(), 1u);
  BOOST_TEST(lost[0].server == "m1");
  BOOST_TEST(lost[0].phi == 9.5);
  BOOST_TEST(lost[0].observer == "director");
}

BOOST_AUTO_TEST_CASE(an_unfilled_loss_asks_for_a_promotion_with_every_nodes_facts) {
  auto s = cluster::evolve(two_members_two_nodes(),
                           cluster::server_lost{1, "m1", "director", 9, 1, 2, "phi"});
  auto o = all_healthy(100);
  o.peers["m1"].phi = 12;
  o.peers["n2"].applied_offset = 50;
  auto promotes = of_type<cluster::promote>(assess(s, o));
  BOOST_REQUIRE_EQUAL(promotes.size(), 1u);
  BOOST_TEST(promotes[0].loss == 1u);
  BOOST_REQUIRE_EQUAL(promotes[0].candidates.size(), 2u);
  BOOST_TEST(promotes[0].candidates[1].node == "n2");
  BOOST_TEST(promotes[0].candidates[1].applied_offset == 50u);
  BOOST_TEST(promotes[0].candidates[1].head_offset == 100u);
  // What the decider makes of it: n1 (caught up) wins, n2 lags 50 > 10.
  auto d = cluster::decide(s, promotes[0]);
  BOOST_REQUIRE(d.accepted());
  BOOST_TEST(std::get<cluster::promotion_started>(d.events.at(0)).node == "n1");
}

BOOST_AUTO_TEST_CASE(a_node_never_heard_from_is_a_candidate_but_not_healthy) {
  auto s = cluster::evolve(two_members_two_nodes(),
                           cluster::server_lost{1, "m1", "director", 9, 1, 2, "phi"});
  auto o = all_healthy(100);
  o.peers.erase("n1");
  auto promotes = of_type<cluster::promote>(assess(s, o));
  BOOST_REQUIRE_EQUAL(promotes.size(), 1u);
  BOOST_TEST(!promotes[0].candidates[0].healthy);
  BOOST_TEST(promotes[0].candidates[1].healthy);
}

BOOST_AUTO_TEST_CASE(a_promoting_node_that_goes_silent_is_reported_failed) {
  auto s = cluster::evolve(two_members_two_nodes(),
                           cluster::server_lost{1, "m1", "director", 9, 1, 2, "phi"});
  auto d = cluster::decide(s, cluster::promote{1, {{"n1", true, 100, 100, "a"}}, 3});
  BOOST_REQUIRE(d.accepted());
  for (const auto& e : d.events)
    s = cluster::evolve(std::move(s), e);
  auto o = all_healthy(100);
  o.peers["m1"].phi = 20;
  o.peers["n1"].phi = 9;
  auto cs = assess(s, o);
  BOOST_TEST(of_type<cluster::report_failed>(cs).size() == 1u);
  BOOST_TEST(of_type<cluster::promote>(cs).empty());  // the loss has a promotion under way
  BOOST_TEST(of_type<cluster::report_lost>(cs).empty());  // m1 is lost already
}

BOOST_AUTO_TEST_CASE(a_lost_server_heartbeating_again_is_reported_back) {
  auto s = cluster::evolve(two_members_two_nodes(),
                           cluster::server_lost{1, "m1", "director", 9, 1, 2, "phi"});
  auto back = of_type<cluster::report_back>(assess(s, all_healthy(100)));
  BOOST_REQUIRE_EQUAL(back.size(), 1u);
  BOOST_TEST(back[0].server == "m1");
}

BOOST_AUTO_TEST_CASE(a_lost_server_whose_loss_was_filled_is_reported_back_too) {
  auto s = cluster::evolve(two_members_two_nodes(), cluster::server_lost{1, "m1", "director", 9, 1, 2, "phi"});
  s = cluster::evolve(std::move(s), cluster::promotion_started{1, 1, "n1", 3, 100, 100, "a", {}, "only one"});
  s = cluster::evolve(std::move(s), cluster::promotion_ready{1, "n1", 100, 100, 4});
  auto back = of_type<cluster::report_back>(assess(s, all_healthy(100)));
  BOOST_REQUIRE_EQUAL(back.size(), 1u);
  // ... and the decider demotes it to a node: the quorum is at its target.
  auto d = cluster::decide(s, back[0]);
  BOOST_REQUIRE(d.accepted());
  BOOST_TEST((std::get<cluster::server_returned>(d.events.at(0)).as == cluster::role::node));
}

BOOST_AUTO_TEST_CASE(the_head_is_never_behind_what_a_replica_applied) {
  auto s = cluster::evolve(two_members_two_nodes(), cluster::server_lost{1, "m1", "director", 9, 1, 2, "phi"});
  auto o = all_healthy(100);  // a head read before the last heartbeats
  o.peers["n1"].applied_offset = 104;
  auto promotes = of_type<cluster::promote>(assess(s, o));
  BOOST_REQUIRE_EQUAL(promotes.size(), 1u);
  BOOST_TEST(promotes[0].candidates[0].head_offset == 104u);
  BOOST_TEST(cluster::decide(s, promotes[0]).accepted());
}

BOOST_AUTO_TEST_CASE(the_pacer_lets_a_repeat_through_once_per_interval) {
  pacer p(1000);
  BOOST_TEST(p.admit("report_lost m1", 0));
  BOOST_TEST(!p.admit("report_lost m1", 500));
  BOOST_TEST(p.admit("report_lost m2", 500));
  BOOST_TEST(p.admit("report_lost m1", 1000));
}

BOOST_AUTO_TEST_SUITE_END()
