// The kv entity in the daemon: the runtime numbers its events 1, 2, ... and
// the state's revision must be that number (the etcd revision a management
// server serves is the entity's sequence); snapshots and recovery keep it;
// an expiry with nothing due writes nothing; a replica fed from the log equals
// the entity's state.

#include "tests/runtime/runtime_fixture.hpp"

#include "actors/entity_fold.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/topic_scan.hpp"
#include "services/tunnels/coordination/kv_replica.hpp"
#include "services/tunnels/coordination/kv_space_codec.hpp"

#include <boost/test/unit_test.hpp>

#include <thread>

using namespace storemesh;
using namespace storemesh::testing::runtime;
namespace kv = storemesh::services::kv;

namespace {

constexpr std::int64_t sec = 1'000'000'000;
const std::string keyspace = "cluster-a";

struct kv_fixture : runtime_fixture {
  kv_fixture() {
    options.snapshot_every = 3;
    options.idle_after = 50ms;
  }

  /// Through the CLI's path; with wait, the outcome.
  ops::command_outcome send(const kv::command& c, bool wait = true) {
    ops::command_client client(operator_log(), names(), operator_key);
    auto outcome = client.submit({std::string(kv::entity::kind), keyspace,
                                  [&](schema::Envelope::Builder b) { kv::entity::write_command(c, b); }},
                                 wait, outcome_wait);
    if (wait) {
      // The pure decider, fed the same commands, must agree.
      auto d = kv::decide(model, c);
      BOOST_CHECK_EQUAL(d.accepted(), outcome.accepted);
      if (!d.accepted())
        BOOST_CHECK_EQUAL(d.why().code, outcome.code);
      for (const auto& e : d.events)
        model = kv::evolve(std::move(model), e);
    }
    return outcome;
  }

  /// The keyspace's events as stored, folded as recovery and the audit fold
  /// them, and applied to a replica as a management server would.
  struct folded {
    actors::entity_image<kv::entity> image;
    kv::replica replica;
    std::vector<std::uint64_t> sequences;
  };
  folded fold_log() {
    folded out;
    auto scan = events::scan_topic(
        operator_log(), names().events(kv::entity::kind), [&](partition_id, const events::record_view& r) -> result<void> {
          SM_TRY(auto env, events::envelope::decoded_envelope::decode(r.value));
          if (env.entity_kind() != kv::entity::kind || env.entity_id() != keyspace) {
            out.replica.advance_offset(r.off.value);
            return success();
          }
          SM_TRYV(actors::fold_event(out.image, env.reader(), r.value, r.off.value));
          SM_TRY(auto e, kv::entity::read_event(env.reader()));
          SM_TRYV(out.replica.apply(env.reader().getSequence(), r.off.value, e));
          out.sequences.push_back(env.reader().getSequence());
          return success();
        });
    BOOST_REQUIRE_MESSAGE(scan.has_value(), failure_of(scan));
    return out;
  }

  kv::state model;
};

} // namespace

BOOST_AUTO_TEST_SUITE(runtime_kv)

BOOST_FIXTURE_TEST_CASE(the_entity_sequence_is_the_revision_through_snapshots_and_recovery, kv_fixture) {
  start_daemon();
  BOOST_TEST(send(kv::grant_lease{1, 10 * sec, 100 * sec}).accepted);       // rev 1
  BOOST_TEST(send(kv::put{"nodes/a", "up", 1, kv::revision{0}}).accepted);  // rev 2, created
  BOOST_TEST(send(kv::put{"config/size", "3", 0, std::nullopt}).accepted);  // rev 3
  auto cas = send(kv::put{"config/size", "5", 0, kv::revision{2}});
  BOOST_TEST(!cas.accepted);
  BOOST_TEST(cas.code == "compare_failed");
  BOOST_TEST(cas.reason.find("mod revision 3") != std::string::npos, cas.reason);
  BOOST_TEST(send(kv::put{"config/size", "5", 0, kv::revision{3}}).accepted);  // rev 4
  BOOST_TEST(send(kv::delete_key{"missing", false, std::nullopt}).code == "key_not_found");

  // An idle expiry tick writes nothing: no event, no rejection.
  const auto events_before = record_count(names().events(kv::entity::kind));
  const auto rejections_before = rejection_count();
  (void)send(kv::expire_leases{105 * sec}, false);
  BOOST_TEST(send(kv::keep_alive{1, 105 * sec}).accepted);  // rev 5: decided after the tick, same entity
  BOOST_TEST(rejection_count() == rejections_before);
  BOOST_TEST(record_count(names().events(kv::entity::kind)) > events_before);

  // Idle: the entity is passivated, and recovers from its snapshot + events.
  std::this_thread::sleep_for(250ms);
  BOOST_TEST(send(kv::put{"nodes/b", "up", 1, std::nullopt}).accepted);  // rev 6
  restart_daemon();
  auto expired = send(kv::expire_leases{200 * sec});                      // rev 7: both keys go
  BOOST_TEST(expired.accepted);
  BOOST_TEST(send(kv::put{"config/size", "7", 0, kv::revision{4}}).accepted);  // rev 8

  auto log = fold_log();
  BOOST_TEST(log.image.seq == 8u);
  BOOST_TEST(log.image.state.rev == log.image.seq);
  BOOST_CHECK(log.image.state == model);
  BOOST_CHECK(log.replica.current() == log.image.state);
  BOOST_TEST(log.replica.rev() == 8u);
  BOOST_TEST(log.replica.applied_offset() >= log.image.last_event_offset);
  std::vector<std::uint64_t> one_to_eight{1, 2, 3, 4, 5, 6, 7, 8};
  BOOST_CHECK(log.sequences == one_to_eight);
  const auto* size = log.replica.get("config/size");
  BOOST_REQUIRE(size != nullptr);
  BOOST_TEST(size->value == "7");
  BOOST_TEST(size->create_revision == 3u);
  BOOST_TEST(size->mod_revision == 8u);
  BOOST_TEST(size->version == 3u);
  BOOST_TEST(log.replica.get("nodes/a") == nullptr);
  BOOST_TEST(log.replica.current().leases.empty());
  BOOST_TEST(snapshot_count(keyspace) > 0u);
  const auto report = audit();
  std::string violations;
  for (const auto& v : report.violations)
    violations += v + "; ";
  BOOST_TEST(report.ok(), violations);
  BOOST_TEST(report.entities.at("kv") == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
