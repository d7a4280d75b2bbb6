// When a host's event is durable, the fleet view (what placement decides by)
// holds it before anything else can happen: not later, when the host's actor
// gets round to hearing that its append is done. On a busy machine that could
// be after a client had read the event, sent a migration to that host and had
// it decided against the old view (a migration to a host just marked down was
// accepted, 1 run in 11 of migration_integration under load).
//
// The test makes "the actor has not got round to it" certain rather than
// likely: the actor system has one scheduler thread, and the moment the log
// has the host's event, a hog takes that thread. The host's actor can then
// run nothing, and the view must still show the host down.

#include "actors/entity_actor.hpp"
#include "actors/runtime_context.hpp"
#include "events/forwarding_log.hpp"
#include "tests/runtime/runtime_fixture.hpp"

#include <boost/test/unit_test.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>

#include <atomic>
#include <future>
#include <thread>

namespace storemesh::testing::runtime {
namespace {

using hog_atom = caf::atom_constant<caf::atom("hog")>;

/// Forwards to `inner`; after a round that wrote `topic` while armed, runs
/// `after` on the writer's thread before the writer hears of the round.
class after_append_log final : public events::forwarding_log {
public:
  after_append_log(events::event_log& inner, std::string topic) : forwarding_log(inner), topic_(std::move(topic)) {}

  void arm(std::function<void()> after) {
    std::lock_guard<std::mutex> lock(mutex_);
    after_ = std::move(after);
  }

  result<std::vector<offset>> append_committing(const std::vector<batch_ref>& batches,
                                                const events::offsets_commit& commit) override {
    auto r = forwarding_log::append_committing(batches, commit);
    std::function<void()> after;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const auto& b : batches)
        if (b.topic == topic_ && after_)
          after = std::exchange(after_, {});
    }
    if (r && after)
      after();
    return r;
  }

private:
  std::string topic_;
  std::mutex mutex_;
  std::function<void()> after_;
};

/// Blocks its scheduler thread on `release` when told to, saying so on `started`.
caf::behavior hog(caf::event_based_actor*, std::shared_future<void> release, std::shared_ptr<std::promise<void>> started) {
  return {[release, started](hog_atom) {
    started->set_value();
    release.wait_for(std::chrono::seconds(30));
  }};
}

std::optional<host::host_state> status_of(const actors::fleet_board& board, const std::string& id) {
  const auto view = board.view();
  const auto it = view->hosts.find(id);
  return it == view->hosts.end() ? std::nullopt : std::optional<host::host_state>(it->second.status);
}

} // namespace

BOOST_FIXTURE_TEST_CASE(the_fleet_view_has_a_hosts_event_before_its_actor_hears_the_append_is_done, runtime_fixture) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 1);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system system{cfg};

  after_append_log log(operator_log(), names().events(host::entity::kind));
  actors::log_writer writer(log, names(), events::crypto::key_pair::generate(), "fleet-test");
  actors::completion_tracker tracker;
  actors::rejected_index rejected;
  actors::snapshot_index snapshots;
  actors::blocking_pool pool(1);
  actors::fleet_board board;
  actors::runtime_context ctx;
  ctx.log = &log;
  ctx.names = names();
  ctx.writer = &writer;
  ctx.tracker = &tracker;
  ctx.rejected = &rejected;
  ctx.snapshots = &snapshots;
  ctx.pool = &pool;
  ctx.fleet = &board;
  ctx.producer = "fleet-test";
  ctx.event_partitions = log.partitions(names().events(host::entity::kind)).value();
  ctx.rejected_partitions = log.partitions(names().rejected()).value();
  ctx.snapshot_partitions = log.partitions(names().snapshots()).value();

  const std::string id = "h1";
  auto actor = system.spawn<actors::entity_actor<host::entity>>(&ctx, id, ownership_epoch{1}, caf::actor{});
  std::promise<void> release;
  auto release_once = [&release, released = false]() mutable {
    if (!std::exchange(released, true))
      release.set_value();
  };
  caf::actor blocker;
  // Whatever way the test ends, the actors are gone before what they use.
  struct teardown {
    std::function<void()> run;
    ~teardown() { run(); }
  } stop_all{[&] {
    release_once();
    writer.stop();
    caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
    if (blocker)
      caf::anon_send_exit(blocker, caf::exit_reason::user_shutdown);
    system.await_all_actors_done();
  }};
  std::int64_t next_offset = 0;
  auto send_command = [&](const host::command& c) {
    auto rec = std::make_shared<actors::command_record>();
    rec->bytes = host_command_bytes(id, c);
    auto env = events::envelope::decoded_envelope::decode(rec->bytes);
    BOOST_REQUIRE(env.has_value());
    rec->env.emplace(std::move(env).value());
    rec->topic = names().commands();
    rec->partition = partition_id{0};
    rec->at = offset{next_offset++};
    rec->epoch = ownership_epoch{1};
    tracker.start(rec->partition, rec->at);
    caf::anon_send(actor, actors::command_batch{{actors::command_ptr(std::move(rec))}});
  };
  auto wait_for = [&](host::host_state want, std::chrono::milliseconds within) {
    const auto until = std::chrono::steady_clock::now() + within;
    while (status_of(board, id) != want && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return status_of(board, id) == want;
  };

  send_command(register_cmd());
  BOOST_REQUIRE_MESSAGE(wait_for(host::host_state::up, std::chrono::seconds(20)), "the host never showed up");

  // The next append of a host event takes the only scheduler thread away
  // before the writer hears the round is done.
  auto started = std::make_shared<std::promise<void>>();
  auto hogging = started->get_future();
  blocker = system.spawn(hog, release.get_future().share(), started);
  log.arm([&] {
    caf::anon_send(blocker, hog_atom::value);
    hogging.wait();
  });
  send_command(set_state_cmd(host::host_state::down));
  const bool seen = wait_for(host::host_state::down, std::chrono::seconds(5));
  release_once();
  BOOST_TEST(seen, "the fleet view did not show the host down while its actor could not run");
  BOOST_TEST(wait_for(host::host_state::down, std::chrono::seconds(20)));
}

// The other half of the window: the writer's round is readable (a client may
// have read the host's event and sent a migration) but the writer's thread
// is off the CPU before the round's callbacks publish it. The intake waits for
// the round in flight before it hands a fleet-reading command over
// (command_intake::await_publications); here the wait itself is held to its
// word: it returns only once the round's callbacks ran, however long the
// writer is held between the append and them.
BOOST_FIXTURE_TEST_CASE(waiting_for_the_round_in_flight_returns_after_its_callbacks, runtime_fixture) {
  const auto topic = names().events(host::entity::kind);
  after_append_log log(operator_log(), topic);
  actors::log_writer writer(log, names(), events::crypto::key_pair::generate(), "round-test");
  std::promise<void> gate;
  auto gate_open = gate.get_future().share();
  std::promise<void> appended;
  log.arm([&] {
    appended.set_value();
    gate_open.wait_for(std::chrono::seconds(30));  // the writer's thread, held after the append
  });
  std::atomic<bool> published{false};
  std::vector<events::record> records;
  records.push_back(events::record{"h1", "x", 1});
  writer.submit({actors::append_part{topic, partition_id{0}, std::move(records)}},
                [&](result<std::vector<offset>> r) { published = r.has_value(); });
  appended.get_future().wait();
  BOOST_REQUIRE(log.end_offset(topic, partition_id{0}).value().value > 0);  // readable already

  std::atomic<bool> returned{false};
  bool published_when_returned = false;
  std::thread waiter([&] {
    writer.await_round_in_flight(std::chrono::seconds(30));
    published_when_returned = published.load();
    returned = true;
  });
  while (!returned && writer.round_waiters() == 0)
    std::this_thread::yield();
  BOOST_TEST(!returned.load(), "the wait returned while the round's callbacks had not run");
  gate.set_value();
  waiter.join();
  BOOST_TEST(published_when_returned);
  writer.stop();
}

} // namespace storemesh::testing::runtime
