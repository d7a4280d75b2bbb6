// Snapshots and passivation: an entity that went idle is stopped, and the one
// that takes its next command recovers from its latest snapshot plus the
// events after it. The state it decides on must be the state the log says.

#include "tests/runtime/modelled_fixture.hpp"

#include "actors/entity_recovery.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/topic_scan.hpp"

#include <boost/test/unit_test.hpp>

#include <thread>

using namespace storemesh;
using namespace storemesh::testing::runtime;

namespace {

using host::host_state;

/// Longer than idle_after below: the entity is passivated meanwhile.
constexpr auto past_idle = 250ms;

struct snapshot_fixture : modelled_fixture {
  snapshot_fixture() {
    options.snapshot_every = 10;
    options.idle_after = 50ms;
  }

  /// `n` state changes on one host, alternating drain and up.
  void alternate(const std::string& id, int n) {
    for (int i = 0; i < n; ++i)
      send(id, set_state_cmd(model.states().at(id).status == host_state::up ? host_state::draining
                                                                              : host_state::up,
                             "round " + std::to_string(i)));
  }

  /// Every snapshot of `id` holds exactly the state its events up to
  /// lastSequence fold to, and points at that event (offset and hash).
  /// Returns how many snapshots were checked.
  std::size_t check_snapshots(const std::string& id) {
    using events::envelope::as_string_view;
    using events::envelope::decoded_envelope;
    const auto& expected_events = model.events().at(id);
    std::size_t checked = 0;
    auto scan = events::scan_topic(operator_log(), names().snapshots(),
                                   [&](partition_id, const events::record_view& r) -> result<void> {
      SM_TRY(auto env, decoded_envelope::decode(r.value));
      if (!env.reader().getPayload().isSnapshot() || env.entity_id() != id)
        return success();
      ++checked;
      const auto snap = env.reader().getPayload().getSnapshot();
      const auto seq = snap.getLastSequence();
      BOOST_TEST_CONTEXT(id << " snapshot at sequence " << seq) {
        BOOST_REQUIRE(seq >= 1u && seq <= expected_events.size());
        host::state folded{};
        for (std::size_t i = 0; i < seq; ++i)
          folded = host::evolve(std::move(folded), expected_events[i]);
        SM_TRY(auto state, host::entity::read_state(as_string_view(snap.getState())));
        BOOST_TEST((state == folded));
        // The event it claims to end with.
        SM_TRYV(actors::with_record_at(operator_log(), snap.getEventsTopic().cStr(),
                                       partition_id{snap.getEventsPartition()}, offset{snap.getEventsOffset()},
                                       [&](const events::record_view& ev) -> result<void> {
          SM_TRY(auto e, decoded_envelope::decode(ev.value));
          BOOST_TEST(e.entity_id() == id);
          BOOST_TEST(e.reader().getSequence() == seq);
          const auto hash = events::crypto::record_hash(ev.value);
          BOOST_TEST((as_string_view(snap.getLastHash()) ==
                      std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size())));
          return success();
        }));
      }
      return success();
    });
    BOOST_REQUIRE_MESSAGE(scan.has_value(), failure_of(scan));
    return checked;
  }

  /// The last event of `id` in the log, with its sequence number.
  std::pair<host::event, std::uint64_t> last_event(const std::string& id) {
    const auto h = host_histories().at(id);
    return {h.events.back(), h.sequences.back()};
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(runtime_snapshots)

BOOST_FIXTURE_TEST_CASE(passivated_host_recovers_from_its_snapshot_and_decides_on_the_right_state,
                        snapshot_fixture) {
  start_daemon();
  send("h1", register_cmd());
  // 111 changes in bursts, each followed by a pause that passivates h1, so it
  // is recovered (snapshot + replay) several times along the way.
  for (int burst = 0; burst < 5; ++burst) {
    alternate("h1", burst == 4 ? 23 : 22);
    wait_for_all();
    std::this_thread::sleep_for(past_idle);
  }
  BOOST_REQUIRE((model.states().at("h1").status == host_state::draining));  // 111 changes: odd

  // One more command, decided by an entity recovered after passivation: the
  // event must start from the last state the log holds, at the next sequence.
  send("h1", set_state_cmd(host_state::down, "after passivation"));
  wait_for_all();
  const auto [event, seq] = last_event("h1");
  BOOST_TEST((event == host::event{host::state_changed{host_state::draining, host_state::down, "after passivation"}}));
  BOOST_TEST(seq == 113u);  // registered + 111 + this one

  // Snapshots come after a batch that brings an entity snapshot_every events
  // past its last one: at least one per burst.
  BOOST_TEST(snapshot_count("h1") >= 5u);
  BOOST_TEST(check_snapshots("h1") == snapshot_count("h1"));
  expect_log_matches_model();
  expect_clean_audit();
}

BOOST_FIXTURE_TEST_CASE(entity_recovered_from_a_snapshot_still_knows_the_commands_before_it, snapshot_fixture) {
  start_daemon();
  send("h1", register_cmd());
  for (int chunk = 0; chunk < 3; ++chunk) {  // each chunk ends a batch past snapshot_every
    alternate("h1", 10);
    wait_for_all();
  }
  std::this_thread::sleep_for(past_idle);
  BOOST_REQUIRE(snapshot_count("h1") >= 2u);
  // Replays of commands folded into the snapshot (not replayed as events)
  // are still recognised: the snapshot carries the processed command ids.
  replay(sent_log[0]);
  replay(sent_log[5]);
  wait_for_all();
  expect_log_matches_model();
  BOOST_TEST(host_histories().at("h1").events.size() == 31u);
  expect_clean_audit();
}

BOOST_FIXTURE_TEST_CASE(restarted_daemon_recovers_hosts_from_snapshots_in_the_log, snapshot_fixture) {
  start_daemon();
  for (const auto* id : {"h1", "h2", "h3"}) {
    send(id, register_cmd());
    alternate(id, 17);
  }
  wait_for_all();
  restart_daemon();  // the snapshot index is rebuilt from storemesh.snapshots
  for (const auto* id : {"h1", "h2", "h3"})
    send(id, set_state_cmd(host_state::down, "after restart"));
  wait_for_all();
  for (const auto* id : {"h1", "h2", "h3"}) {
    const auto [event, seq] = last_event(id);
    BOOST_TEST((event == host::event{host::state_changed{host_state::draining, host_state::down, "after restart"}}),
               id);
    BOOST_TEST(seq == 19u, id);
    BOOST_TEST(snapshot_count(id) >= 1u, id);
    BOOST_TEST(check_snapshots(id) == snapshot_count(id), id);
  }
  expect_log_matches_model();
  expect_clean_audit();
}

BOOST_AUTO_TEST_SUITE_END()
