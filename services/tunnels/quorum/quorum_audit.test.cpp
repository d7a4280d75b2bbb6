#include "services/tunnels/quorum/quorum_audit.hpp"

#include <boost/test/unit_test.hpp>

using namespace storemesh::services::cluster;

namespace {

constexpr std::int64_t s = 1'000'000'000;

public_key key(std::uint8_t n) {
  public_key k;
  k.bytes.fill(n);
  return k;
}
peer_spec peer_of(const std::string& id, std::uint8_t n) { return peer_spec{id, key(n), "", "h:1"}; }

/// Events with sequences 1, 2, ... and envelope timestamps given per event
/// (those with their own at_ns use that instead).
struct log_builder {
  std::vector<timed_event> events;
  log_builder& at(std::int64_t ts, event e) {
    events.push_back(timed_event{events.size() + 1, ts, std::move(e)});
    return *this;
  }
};

/// Target 3, grace 10 s, max lag 10: a, b, c members, n1 and n2 nodes; all at t = 1 s.
log_builder bootstrap() {
  log_builder b;
  b.at(1 * s, configured{config{3, 10 * s, 10, 8.0, s, false}})
      .at(1 * s, server_added{peer_of("a", 1)})
      .at(1 * s, server_added{peer_of("b", 2)})
      .at(1 * s, server_added{peer_of("c", 3)})
      .at(1 * s, node_added{peer_of("n1", 11)})
      .at(1 * s, node_added{peer_of("n2", 12)});
  return b;
}

candidate fit(const std::string& n, std::uint64_t lag = 0) { return candidate{n, true, 100 - lag, 100, ""}; }

promotion_started start(std::uint64_t id, std::uint64_t loss, const std::string& node, std::int64_t at,
                        std::uint64_t lag = 0) {
  return promotion_started{id, loss, node, at, 100 - lag, 100, "", {verdict{fit(node, lag), true, "eligible"}}, "only"};
}

bool mentions(const std::vector<quorum_violation>& v, const std::string& what) {
  for (const auto& x : v)
    if (x.what.find(what) != std::string::npos)
      return true;
  return false;
}

std::string all(const std::vector<quorum_violation>& v) {
  std::string out;
  for (const auto& x : v)
    out += "[seq " + std::to_string(x.sequence) + "] " + x.what + "\n";
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(quorum_audit)

BOOST_AUTO_TEST_CASE(a_loss_filled_within_the_grace_is_clean) {
  auto b = bootstrap();
  b.at(20 * s, server_lost{1, "c", "director", 9, 17 * s, 20 * s, "phi"})
      .at(21 * s, start(1, 1, "n1", 21 * s))
      .at(25 * s, promotion_ready{1, "n1", 100, 100, 25 * s});
  quorum_auditor a;
  for (const auto& e : b.events)
    a.observe(e.sequence, e.timestamp_ns, e.event);
  auto v = a.finish(30 * s);
  BOOST_TEST(v.empty(), all(v));
  BOOST_REQUIRE_EQUAL(a.periods().size(), 1u);
  BOOST_TEST(a.periods()[0].from_ns == 20 * s);
  BOOST_TEST(a.periods()[0].until_ns == 25 * s);
  BOOST_TEST(a.periods()[0].ended);
}

BOOST_AUTO_TEST_CASE(bootstrapping_below_target_is_not_a_violation) {
  log_builder b;
  b.at(1 * s, configured{config{3, 1 * s, 10, 8.0, s, false}})
      .at(1 * s, server_added{peer_of("a", 1)})
      .at(100 * s, server_added{peer_of("b", 2)});
  auto v = audit_quorum(b.events, 500 * s);
  BOOST_TEST(v.empty(), all(v));
}

BOOST_AUTO_TEST_CASE(below_target_longer_than_the_grace_is_reported_with_when_and_how_long) {
  auto b = bootstrap();
  b.at(20 * s, server_lost{1, "c", "director", 9, 17 * s, 20 * s, "phi"})
      .at(21 * s, start(1, 1, "n1", 21 * s))
      .at(35 * s, promotion_ready{1, "n1", 100, 100, 35 * s});
  auto v = audit_quorum(b.events);
  BOOST_REQUIRE_EQUAL(v.size(), 1u);
  BOOST_TEST(v[0].sequence == 7u);
  BOOST_TEST(v[0].at_ns == 20 * s);
  BOOST_TEST(v[0].what.find("below its target for 15000.000 ms") != std::string::npos, v[0].what);
  BOOST_TEST(v[0].what.find("grace of 10000.000 ms") != std::string::npos, v[0].what);
}

BOOST_AUTO_TEST_CASE(a_quorum_still_below_target_at_the_end_counts_to_the_end) {
  auto b = bootstrap();
  b.at(20 * s, server_lost{1, "c", "director", 9, 17 * s, 20 * s, "phi"});
  BOOST_TEST(audit_quorum(b.events, 29 * s).empty());
  auto v = audit_quorum(b.events, 31 * s);
  BOOST_REQUIRE_EQUAL(v.size(), 1u);
  BOOST_TEST(v[0].what.find("still is at the end of the log") != std::string::npos, v[0].what);
}

BOOST_AUTO_TEST_CASE(each_period_is_judged_on_its_own) {
  auto b = bootstrap();
  b.at(20 * s, server_lost{1, "c", "director", 9, 17 * s, 20 * s, "phi"})
      .at(25 * s, server_returned{"c", 1, role::member, 25 * s})      // 5 s: fine
      .at(40 * s, server_lost{2, "b", "director", 9, 37 * s, 40 * s, "phi"})
      .at(41 * s, start(1, 2, "n1", 41 * s))
      .at(60 * s, promotion_ready{1, "n1", 100, 100, 60 * s})         // 20 s: too long
      .at(70 * s, server_lost{3, "a", "operator", 0, 0, 70 * s, "removed"})
      .at(70 * s, peer_removed{"a", role::member, 70 * s})
      .at(71 * s, start(2, 3, "n2", 71 * s))
      .at(72 * s, promotion_ready{2, "n2", 100, 100, 72 * s});       // 2 s: fine
  quorum_auditor a;
  for (const auto& e : b.events)
    a.observe(e.sequence, e.timestamp_ns, e.event);
  auto v = a.finish(80 * s);
  BOOST_REQUIRE_EQUAL(v.size(), 1u);
  BOOST_TEST(v[0].at_ns == 40 * s, all(v));
  BOOST_TEST(a.periods().size() == 3u);
}

BOOST_AUTO_TEST_CASE(raising_the_target_starts_a_period_at_the_configuration) {
  auto b = bootstrap();
  b.at(50 * s, configured{config{4, 10 * s, 10, 8.0, s, false}});
  auto v = audit_quorum(b.events, 70 * s);
  BOOST_REQUIRE_EQUAL(v.size(), 1u);
  BOOST_TEST(v[0].at_ns == 50 * s);
}

BOOST_AUTO_TEST_CASE(a_promotion_without_a_loss_is_reported) {
  auto b = bootstrap();
  b.at(20 * s, start(1, 7, "n1", 20 * s));
  auto v = audit_quorum(b.events);
  BOOST_TEST(mentions(v, "has no loss behind it"), all(v));
  BOOST_TEST(mentions(v, "while the quorum was full"), all(v));
}

BOOST_AUTO_TEST_CASE(a_promotion_for_a_loss_already_filled_or_returned_is_reported) {
  auto b = bootstrap();
  b.at(20 * s, server_lost{1, "c", "director", 9, 17 * s, 20 * s, "phi"})
      .at(21 * s, server_returned{"c", 1, role::member, 21 * s})
      .at(22 * s, start(1, 1, "n1", 22 * s));
  auto v = audit_quorum(b.events);
  BOOST_TEST(mentions(v, "which was already returned"), all(v));
}

BOOST_AUTO_TEST_CASE(two_active_promotions_for_one_loss_are_reported) {
  auto b = bootstrap();
  b.at(20 * s, server_lost{1, "c", "director", 9, 17 * s, 20 * s, "phi"})
      .at(20 * s, server_lost{2, "b", "director", 9, 17 * s, 20 * s, "phi"})  // room for two
      .at(21 * s, start(1, 1, "n1", 21 * s))
      .at(22 * s, start(2, 1, "n2", 22 * s));
  auto v = audit_quorum(b.events);
  BOOST_REQUIRE_EQUAL(v.size(), 1u);
  BOOST_TEST(v[0].sequence == 10u);
  BOOST_TEST(mentions(v, "second active promotion for loss 1"), all(v));
}

BOOST_AUTO_TEST_CASE(a_new_promotion_after_a_failed_one_is_fine) {
  auto b = bootstrap();
  b.at(20 * s, server_lost{1, "c", "director", 9, 17 * s, 20 * s, "phi"})
      .at(21 * s, start(1, 1, "n1", 21 * s))
      .at(22 * s, promotion_failed{1, "n1", "killed", 22 * s})
      .at(23 * s, start(2, 1, "n2", 23 * s))
      .at(24 * s, promotion_ready{2, "n2", 100, 100, 24 * s});
  auto v = audit_quorum(b.events);
  BOOST_TEST(v.empty(), all(v));
}

BOOST_AUTO_TEST_CASE(a_member_by_promotion_that_was_never_ready_or_not_caught_up_is_reported) {
  {
    auto b = bootstrap();
    b.at(20 * s, server_lost{1, "c", "director", 9, 17 * s, 20 * s, "phi"})
        .at(21 * s, promotion_ready{1, "n1", 100, 100, 21 * s});
    BOOST_TEST(mentions(audit_quorum(b.events), "which never started"));
  }
  {
    auto b = bootstrap();
    b.at(20 * s, server_lost{1, "c", "director", 9, 17 * s, 20 * s, "phi"})
        .at(21 * s, start(1, 1, "n1", 21 * s))
        .at(22 * s, promotion_ready{1, "n1", 50, 100, 22 * s});
    auto v = audit_quorum(b.events);
    BOOST_TEST(mentions(v, "without being caught up (applied 50, head 100, max lag 10)"), all(v));
  }
  {
    auto b = bootstrap();
    b.at(20 * s, server_lost{1, "c", "director", 9, 17 * s, 20 * s, "phi"})
        .at(21 * s, start(1, 1, "n1", 21 * s))
        .at(22 * s, promotion_ready{1, "n2", 100, 100, 22 * s});
    BOOST_TEST(mentions(audit_quorum(b.events), "which promoted 'n1'"));
  }
}

BOOST_AUTO_TEST_CASE(promoting_a_lagging_or_unhealthy_node_is_reported) {
  auto b = bootstrap();
  b.at(20 * s, server_lost{1, "c", "director", 9, 17 * s, 20 * s, "phi"}).at(21 * s, start(1, 1, "n1", 21 * s, 11));
  BOOST_TEST(mentions(audit_quorum(b.events), "unhealthy or lagging (lag 11, max 10)"));
  auto unhealthy = start(1, 1, "n1", 21 * s);
  unhealthy.verdicts[0].candidate.healthy = false;
  auto b2 = bootstrap();
  b2.at(20 * s, server_lost{1, "c", "director", 9, 17 * s, 20 * s, "phi"}).at(21 * s, unhealthy);
  BOOST_TEST(mentions(audit_quorum(b2.events), "unhealthy or lagging"));
  auto no_verdict = start(1, 1, "n1", 21 * s);
  no_verdict.verdicts.clear();
  auto b3 = bootstrap();
  b3.at(20 * s, server_lost{1, "c", "director", 9, 17 * s, 20 * s, "phi"}).at(21 * s, no_verdict);
  BOOST_TEST(mentions(audit_quorum(b3.events), "no eligible verdict"));
}

BOOST_AUTO_TEST_CASE(a_server_rejoining_over_the_target_is_reported) {
  auto b = bootstrap();
  b.at(20 * s, server_lost{1, "c", "director", 9, 17 * s, 20 * s, "phi"})
      .at(21 * s, start(1, 1, "n1", 21 * s))
      .at(22 * s, promotion_ready{1, "n1", 100, 100, 22 * s})
      .at(23 * s, server_returned{"c", 1, role::member, 23 * s});
  BOOST_TEST(mentions(audit_quorum(b.events), "rejoined as a member over the target"));
}

BOOST_AUTO_TEST_CASE(event_times_come_from_the_event_when_it_has_one) {
  BOOST_TEST(event_time(server_lost{1, "c", "d", 9, 1, 42, "phi"}, 99) == 42);
  BOOST_TEST(event_time(node_added{peer_of("n", 1)}, 99) == 99);
}

BOOST_AUTO_TEST_SUITE_END()
