// The Kafka consumer group behind `serve --group`: members divide the
// partitions and hand them over; positions commit and read back; the
// KIP-447 fence -- a member the group has expelled gets its whole transaction
// refused; and tenures -- a write decided before an expulsion never passes
// after the member rejoins, even with the partition back. Against a real
// broker (STOREMESH_TEST_KAFKA); skipped without one.

#include "events/kafka_log/kafka_group.hpp"
#include "events/kafka_log/test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>

using namespace storemesh;
using namespace storemesh::events;
using namespace storemesh::events::file_log_testing;
using namespace storemesh::events::kafka_log_testing;

namespace {

/// Keeps what the group told it: the partitions owned now.
struct ownership final : partition_group::listener {
  std::set<std::int32_t> owned;
  bool told = false;
  void assigned(const std::vector<partition_id>& ps) override {
    told = true;
    for (auto p : ps)
      owned.insert(p.value);
  }
  void revoked(const std::vector<partition_id>& ps, bool) override {
    for (auto p : ps)
      owned.erase(p.value);
  }
};

std::unique_ptr<partition_group> join(event_log& log, const std::string& topic, const std::string& group) {
  auto g = log.join_group(topic, group);
  BOOST_REQUIRE_MESSAGE(g, (g ? std::string() : g.error().message()));
  return std::move(g).value();
}

/// Polls every member in turn until `done` holds (or fails after `limit`).
template <class Done>
void poll_until(std::vector<std::pair<partition_group*, ownership*>> members, Done done,
                std::chrono::seconds limit = 60s) {
  const auto t0 = steady::now();
  while (!done()) {
    BOOST_REQUIRE_MESSAGE(steady::now() - t0 < limit, "the group did not settle in time");
    for (auto& [g, l] : members)
      BOOST_REQUIRE(g->poll(*l, 50ms));
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(kafka_group_membership)

BOOST_AUTO_TEST_CASE(a_log_without_groups_says_so) {
  auto t = log_under_test::make(log_kind::file);
  auto g = t->log().join_group("commands", "g");
  BOOST_TEST(errc_of(g) == log_errc::unsupported);
}

KAFKA_ONLY_CASE(members_divide_the_partitions_and_hand_positions_over) {
  options.group_session_timeout = 6s;
  auto opened = kafka_log::open(options);
  BOOST_REQUIRE(opened);
  auto& log = *opened.value();
  const auto topic = unique_topic("commands");
  const auto group = unique_topic("group");
  create(log, topic, 4);

  ownership a_owns, b_owns;
  auto a = join(log, topic, group);
  poll_until({{a.get(), &a_owns}}, [&] { return a_owns.owned.size() == 4; });

  // Nothing committed yet: the beginning. Then a position sticks.
  BOOST_TEST(a->committed(topic, partition_id{3}).value().value == 0);
  BOOST_REQUIRE(a->commit(topic, {{partition_id{3}, offset{7}}, {partition_id{1}, offset{2}}}));
  BOOST_TEST(a->committed(topic, partition_id{3}).value().value == 7);

  auto b = join(log, topic, group);
  poll_until({{a.get(), &a_owns}, {b.get(), &b_owns}}, [&] {
    return !a_owns.owned.empty() && !b_owns.owned.empty() && a_owns.owned.size() + b_owns.owned.size() == 4;
  });
  std::set<std::int32_t> all = a_owns.owned;
  all.insert(b_owns.owned.begin(), b_owns.owned.end());
  BOOST_TEST(all.size() == 4u);  // disjoint, and every partition owned
  // The new owner reads the position the old one committed.
  BOOST_TEST(b->committed(topic, partition_id{3}).value().value == 7);
  BOOST_TEST(b->committed(topic, partition_id{1}).value().value == 2);

  // A leaves: B gets everything.
  a.reset();
  poll_until({{b.get(), &b_owns}}, [&] { return b_owns.owned.size() == 4; });
}

KAFKA_ONLY_CASE(an_expelled_member_has_its_whole_transaction_refused) {
  options.group_session_timeout = 6s;
  options.group_max_poll_interval = 7s;
  options.transactional_id = unique_topic("txn");
  auto opened = kafka_log::open(options);
  BOOST_REQUIRE(opened);
  auto& log = *opened.value();
  const auto commands = unique_topic("commands");
  const auto events = unique_topic("events");
  const auto group = unique_topic("group");
  create(log, commands, 2);
  create(log, events, 1);

  ownership a_owns;
  auto a = join(log, commands, group);
  poll_until({{a.get(), &a_owns}}, [&] { return a_owns.owned.size() == 2; });

  // A member in good standing: the events and the positions commit together.
  const auto batch = ms_batch("ok", 3);
  offsets_commit with{a.get(), commands, {{partition_id{0}, offset{5}}, {partition_id{1}, offset{9}}}, {}};
  auto done = log.append_committing({{events, p0, &batch}}, with);
  BOOST_REQUIRE_MESSAGE(done, (done ? std::string() : done.error().message()));
  BOOST_TEST(a->committed(commands, partition_id{1}).value().value == 9);
  const auto end_before = end_of(log, events, p0);

  // A stops polling (stuck, paused: a zombie) and B joins: past the poll
  // interval the group expels A and gives B everything.
  ownership b_owns;
  auto b = join(log, commands, group);
  poll_until({{b.get(), &b_owns}}, [&] { return b_owns.owned.size() == 2; }, 60s);

  // The zombie's next round: refused whole, nothing of it visible.
  const auto late = ms_batch("zombie", 2);
  offsets_commit stale{a.get(), commands, {{partition_id{0}, offset{6}}}, {}};
  auto refused = log.append_committing({{events, p0, &late}}, stale);
  BOOST_TEST(errc_of(refused) == log_errc::fenced);
  BOOST_TEST_MESSAGE((refused ? std::string("appended?!") : refused.error().message()));
  auto reader = log.read(events, p0, offset{0});
  BOOST_REQUIRE(reader);
  for (const auto& r : drain(*reader.value()))
    BOOST_TEST(r.value.find("zombie") == std::string::npos);
  BOOST_TEST(b->committed(commands, partition_id{0}).value().value == 5);  // not 6
  // B, the rightful owner, writes through the same transactional log.
  offsets_commit fresh{b.get(), commands, {{partition_id{0}, offset{6}}}, {}};
  BOOST_REQUIRE(log.append_committing({{events, p0, &late}}, fresh));
  BOOST_TEST(end_of(log, events, p0).value > end_before.value);
}

KAFKA_ONLY_CASE(a_write_decided_before_an_expulsion_never_passes_after_the_member_rejoins) {
  // Issue 10: a daemon paused past its session came back, rejoined in the
  // background, and a round it had decided before the pause committed under
  // the new generation -- the same commands decided twice. The generation
  // alone cannot tell that round from a fresh one; its tenure can.
  options.group_session_timeout = 6s;
  options.group_max_poll_interval = 7s;
  options.transactional_id = unique_topic("txn");
  auto opened = kafka_log::open(options);
  BOOST_REQUIRE(opened);
  auto& log = *opened.value();
  const auto commands = unique_topic("commands");
  const auto events = unique_topic("events");
  const auto group = unique_topic("group");
  create(log, commands, 2);
  create(log, events, 1);

  ownership a_owns;
  auto a = join(log, commands, group);
  poll_until({{a.get(), &a_owns}}, [&] { return a_owns.owned.size() == 2; });
  const auto first_tenure = a->epoch(p0);
  BOOST_REQUIRE(first_tenure);
  // A decides something for partition 0 under that tenure; before it is
  // appended, A stops polling (a pause), B takes everything, then leaves.
  const partition_claim decided{p0, *first_tenure};
  ownership b_owns;
  {
    auto b = join(log, commands, group);
    poll_until({{b.get(), &b_owns}}, [&] { return b_owns.owned.size() == 2; }, 60s);
  }
  // A comes back: told it lost everything, it rejoins and gets it all back,
  // under a new generation and new tenures.
  a_owns.owned.clear();
  poll_until({{a.get(), &a_owns}}, [&] { return a_owns.owned.size() == 2 && a->epoch(p0).has_value(); });
  BOOST_TEST(a->epoch(p0)->value != first_tenure->value);

  // The round decided before the pause: refused, nothing of it visible.
  const auto late = ms_batch("zombie", 2);
  offsets_commit stale{a.get(), commands, {{p0, offset{6}}}, {decided}};
  auto refused = log.append_committing({{events, p0, &late}}, stale);
  BOOST_TEST(errc_of(refused) == log_errc::stale_claim);
  BOOST_TEST_MESSAGE((refused ? std::string("appended?!") : refused.error().message()));
  auto reader = log.read(events, p0, offset{0});
  BOOST_REQUIRE(reader);
  for (const auto& r : drain(*reader.value()))
    BOOST_TEST(r.value.find("zombie") == std::string::npos);
  BOOST_TEST(a->committed(commands, p0).value().value == 0);  // not 6

  // What the generation alone let through (the previous fence): the same
  // round without its claim passes under the rejoined member's generation.
  const auto unclaimed = ms_batch("unclaimed", 1);
  BOOST_TEST(log.append_committing({{events, p0, &unclaimed}}, offsets_commit{a.get(), commands, {{p0, offset{1}}}, {}})
                 .has_value());

  // Work decided under the current tenure passes.
  const auto fresh = ms_batch("fresh", 1);
  offsets_commit now{a.get(), commands, {{p0, offset{2}}}, {{p0, *a->epoch(p0)}}};
  auto done = log.append_committing({{events, p0, &fresh}}, now);
  BOOST_TEST(done.has_value(), (done ? std::string() : done.error().message()));
  BOOST_TEST(a->committed(commands, p0).value().value == 2);
}

KAFKA_ONLY_CASE(a_renewed_tenure_refuses_what_the_old_one_decided) {
  options.transactional_id = unique_topic("txn");
  auto opened = kafka_log::open(options);
  BOOST_REQUIRE(opened);
  auto& log = *opened.value();
  const auto commands = unique_topic("commands");
  const auto events = unique_topic("events");
  create(log, commands, 1);
  create(log, events, 1);
  ownership owns;
  auto a = join(log, commands, unique_topic("group"));
  poll_until({{a.get(), &owns}}, [&] { return owns.owned.size() == 1; });
  const auto old_tenure = *a->epoch(p0);
  const auto renewed = a->renew(p0);
  BOOST_REQUIRE(renewed);
  BOOST_TEST(renewed->value != old_tenure.value);
  const auto batch = ms_batch("old", 1);
  auto refused = log.append_committing({{events, p0, &batch}},
                                       offsets_commit{a.get(), commands, {{p0, offset{1}}}, {{p0, old_tenure}}});
  BOOST_TEST(errc_of(refused) == log_errc::stale_claim);
  BOOST_TEST(log.append_committing({{events, p0, &batch}},
                                   offsets_commit{a.get(), commands, {{p0, offset{1}}}, {{p0, *renewed}}})
                 .has_value());
  // A partition this member does not own has no tenure to renew.
  BOOST_TEST(!a->renew(partition_id{7}).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
