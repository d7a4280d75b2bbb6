// The dedup window: an entity remembers the command ids it decided for a
// bounded time, so its memory and snapshots do not grow with its history;
// a command signed before that window is refused as expired, so forgetting an
// id never lets its replay through.

#include "tests/runtime/runtime_fixture.hpp"

#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/topic_scan.hpp"

#include <boost/test/unit_test.hpp>

#include <thread>

namespace storemesh::testing::runtime {
namespace {

using namespace std::chrono_literals;
using host::host_state;

struct window_fixture : runtime_fixture {
  window_fixture() {
    options.dedup_window = 400ms;
    options.snapshot_every = 2;
  }

  /// Processed-id count of the newest snapshot of `id`.
  std::size_t newest_snapshot_ids(const std::string& id) {
    std::size_t ids = 0;
    std::uint64_t newest = 0;
    auto scan = events::scan_topic(operator_log(), names().snapshots(),
                                   [&](partition_id, const events::record_view& r) -> result<void> {
      SM_TRY(auto env, events::envelope::decoded_envelope::decode(r.value));
      if (env.reader().getPayload().isSnapshot() && env.entity_id() == id &&
          env.reader().getSequence() >= newest) {
        newest = env.reader().getSequence();
        ids = env.reader().getPayload().getSnapshot().getProcessed().size();
      }
      return success();
    });
    BOOST_REQUIRE_MESSAGE(scan.has_value(), failure_of(scan));
    return ids;
  }
};

BOOST_AUTO_TEST_SUITE(runtime_dedup_window)

BOOST_FIXTURE_TEST_CASE(a_forgotten_id_is_refused_as_expired_not_accepted_again, window_fixture) {
  start_daemon();
  const auto first = command_bytes(host::entity::kind, "h1", register_cmd("d", "/srv/d"), &operator_key);
  const auto at = append_command("h1", first);
  BOOST_REQUIRE_EQUAL(wait_for_outcome(at).events, 1u);

  std::this_thread::sleep_for(600ms);  // past the window
  for (int i = 0; i < 6; ++i) {        // newer decisions, and snapshots that prune
    const auto to = i % 2 == 0 ? host_state::draining : host_state::up;
    BOOST_REQUIRE(submit("h1", set_state_cmd(to, "round " + std::to_string(i))).accepted);
  }
  std::this_thread::sleep_for(200ms);  // the last snapshot is appended after its batch

  // The newest snapshot no longer carries the registration's id ...
  BOOST_TEST(newest_snapshot_ids("h1") < 7u);
  // ... yet replaying it changes nothing: it is older than the window.
  const auto again = append_command("h1", first);
  const auto outcome = wait_for_outcome(again);
  BOOST_TEST(outcome.events == 0u);
  BOOST_TEST(outcome.rejections == std::vector<std::string>{"expired"});

  // A fresh command signed long ago (held back, then sent) is refused alike.
  const auto old = command_bytes(host::entity::kind, "h1", set_state_cmd(host_state::down, "late"), &operator_key,
                                 {}, events::envelope::now_ns() - 3'600'000'000'000);
  const auto late = wait_for_outcome(append_command("h1", old));
  BOOST_TEST(late.rejections == std::vector<std::string>{"expired"});
  BOOST_TEST(replay_hosts().at("h1").state.status == host_state::up);
  BOOST_TEST(audit().ok());
}

BOOST_FIXTURE_TEST_CASE(ids_inside_the_window_are_still_recognised_after_a_snapshot, window_fixture) {
  options.dedup_window = std::chrono::hours(1);
  start_daemon();
  const auto first = command_bytes(host::entity::kind, "h2", register_cmd("d", "/srv/d"), &operator_key);
  BOOST_REQUIRE_EQUAL(wait_for_outcome(append_command("h2", first)).events, 1u);
  for (int i = 0; i < 4; ++i)
    BOOST_REQUIRE(submit("h2", set_state_cmd(i % 2 == 0 ? host_state::draining : host_state::up, "r")).accepted);
  stop_daemon();
  start_daemon();  // recovers from the snapshot
  const auto outcome = wait_for_outcome(append_command("h2", first));
  BOOST_TEST(outcome.rejections == std::vector<std::string>{"duplicate"});
  BOOST_TEST(newest_snapshot_ids("h2") == 4u);  // the snapshot at sequence 4: nothing pruned inside the window
}

BOOST_FIXTURE_TEST_CASE(a_busy_entity_keeps_a_bounded_number_of_ids_and_refuses_what_it_forgot, window_fixture) {
  // A window of an hour, but room for 3 ids: snapshots stay small however
  // many commands an entity decides, and a recovered entity still refuses the
  // replay of an id the bound made it forget (the floor is in the snapshot).
  options.dedup_window = std::chrono::hours(1);
  options.dedup_max_ids = 3;
  start_daemon();
  const auto first = command_bytes(host::entity::kind, "h3", register_cmd("d", "/srv/d"), &operator_key);
  BOOST_REQUIRE_EQUAL(wait_for_outcome(append_command("h3", first)).events, 1u);
  for (int i = 0; i < 7; ++i)
    BOOST_REQUIRE(submit("h3", set_state_cmd(i % 2 == 0 ? host_state::draining : host_state::up, "r")).accepted);
  std::this_thread::sleep_for(200ms);  // the last snapshot is appended after its batch
  BOOST_TEST(newest_snapshot_ids("h3") <= 3u);
  stop_daemon();
  start_daemon();  // recovers from the snapshot: the forgotten ids and the floor
  const auto outcome = wait_for_outcome(append_command("h3", first));
  BOOST_TEST(outcome.events == 0u);
  BOOST_TEST(outcome.rejections == std::vector<std::string>{"expired"});
  // A command signed now is decided as ever.
  BOOST_TEST(submit("h3", set_state_cmd(host_state::down, "after")).accepted);
  BOOST_TEST(replay_hosts().at("h3").state.status == host_state::down);
  BOOST_TEST(audit().ok());
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
} // namespace storemesh::testing::runtime
