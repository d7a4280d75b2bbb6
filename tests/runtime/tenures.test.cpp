// Tenures on the embedded log: a daemon alone owns every partition from its
// first poll, but a tenure can still end (renewed after a fenced write), and
// what was decided under the old one must not reach the log.

#include "actors/local_group.hpp"
#include "events/file_log/file_log.hpp"
#include "events/file_log/test_support.hpp"
#include "events/log_errc.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

namespace storemesh::testing::runtime {
namespace {

using namespace events::file_log_testing;

struct quiet_listener final : events::partition_group::listener {
  std::vector<partition_id> owned;
  void assigned(const std::vector<partition_id>& ps) override { owned.insert(owned.end(), ps.begin(), ps.end()); }
  void revoked(const std::vector<partition_id>&, bool) override {}
};

} // namespace

BOOST_AUTO_TEST_SUITE(runtime_tenures)

BOOST_AUTO_TEST_CASE(a_local_group_gives_every_partition_a_tenure_and_renews_it) {
  temp_dir dir;
  actors::local_group group(dir / "offsets", 3);
  BOOST_TEST(!group.epoch(partition_id{0}).has_value());  // not joined yet
  quiet_listener l;
  BOOST_REQUIRE(group.poll(l, std::chrono::milliseconds(0)));
  BOOST_TEST(l.owned.size() == 3u);
  const auto first = group.epoch(partition_id{1});
  BOOST_REQUIRE(first.has_value());
  const auto renewed = group.renew(partition_id{1});
  BOOST_REQUIRE(renewed.has_value());
  BOOST_TEST(renewed->value != first->value);
  BOOST_TEST(group.epoch(partition_id{1})->value == renewed->value);
  BOOST_TEST(group.epoch(partition_id{0})->value != renewed->value);  // one tenure per partition
  BOOST_TEST(!group.renew(partition_id{5}).has_value());              // not owned
}

BOOST_AUTO_TEST_CASE(a_write_claiming_an_ended_tenure_is_refused_whole_on_the_file_log) {
  temp_dir dir;
  events::file_log_options o;
  o.root = dir / "log";
  auto opened = events::file_log::open(o);
  BOOST_REQUIRE(opened);
  auto& log = *opened.value();
  BOOST_REQUIRE(log.create_topic("events", 1));
  actors::local_group group(dir / "offsets", 1);
  quiet_listener l;
  BOOST_REQUIRE(group.poll(l, std::chrono::milliseconds(0)));
  const partition_id p0{0};
  const auto old_tenure = *group.epoch(p0);
  const auto now = *group.renew(p0);

  const auto batch = make_batch("late", 2);
  events::offsets_commit stale{&group, "commands", {{p0, offset{4}}}, {{p0, old_tenure}}};
  auto refused = log.append_committing({{"events", p0, &batch}}, stale);
  BOOST_REQUIRE(!refused);
  BOOST_TEST(refused.error().code == events::log_errc::stale_claim);
  BOOST_TEST(end_of(log, "events", p0).value == 0);                  // nothing written
  BOOST_TEST(group.committed("commands", p0).value().value == 0);    // nor committed

  events::offsets_commit fresh{&group, "commands", {{p0, offset{4}}}, {{p0, now}}};
  BOOST_REQUIRE(log.append_committing({{"events", p0, &batch}}, fresh));
  BOOST_TEST(end_of(log, "events", p0).value == 2);
  BOOST_TEST(group.committed("commands", p0).value().value == 4);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace storemesh::testing::runtime
