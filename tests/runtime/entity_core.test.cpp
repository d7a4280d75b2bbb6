// The entity core without a daemon (actors/core/entity_core.hpp): the rules
// a command goes through, driven by hand, on a clock the test sets.

#include "actors/core/entity_core.hpp"
#include "actors/indexes.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "services/host/host_codec.hpp"

#include <boost/test/unit_test.hpp>

namespace storemesh::testing::runtime {
namespace {

namespace host = services::host;
using namespace std::chrono_literals;

/// The daemon's clock, set by the test (the simulator's hook).
struct test_clock final : events::envelope::simulated_source {
  std::int64_t now = 1'800'000'000'000'000'000;
  std::uint64_t next_id = 1;
  std::int64_t now_ns() override { return now; }
  std::array<std::uint8_t, 16> new_message_id() override {
    std::array<std::uint8_t, 16> id{};
    for (std::size_t i = 0; i < 8; ++i)
      id[i] = static_cast<std::uint8_t>(next_id >> (8 * i));
    ++next_id;
    return id;
  }
};

struct core_fixture {
  core_fixture() {
    events::envelope::simulate_on_this_thread(&clock);
    ctx.rejected = &rejected;
    ctx.producer = "d1";
    ctx.dedup_window = 1h;
    ctx.dedup_max_ids = 2;
    ctx.snapshot_every = 1;
  }
  ~core_fixture() { events::envelope::simulate_on_this_thread(nullptr); }

  /// A command for h1 signed at `signed_ns` by an issuer whose clock is not
  /// the daemon's, read from the commands partition at `at`.
  actors::command_record command(const host::command& c, std::int64_t signed_ns, std::int64_t at,
                                 std::array<std::uint8_t, 16> id) {
    const auto saved = clock.now;
    clock.now = signed_ns;
    actors::command_header h;
    h.id = id;
    h.producer = "operator";
    auto rec = actors::make_command_record(host::entity::kind, "h1", h, key, [&](schema::Envelope::Builder b) {
      host::entity::write_command(c, b);
    });
    clock.now = saved;
    actors::command_record r;
    r.bytes = rec.value().value;
    r.env.emplace(events::envelope::decoded_envelope::decode(r.bytes).value());
    r.topic = "storemesh.commands";
    r.at = offset{at};
    return r;
  }

  /// One round of one command; its refusal code, or "" when accepted.
  std::string decide(actors::entity_core<host::entity>& core, const actors::command_record& c) {
    core.begin();
    core.decide(c);
    std::string code;
    if (!core.pending().rejections.empty()) {
      auto env = events::envelope::decoded_envelope::decode(core.pending().rejections.front().value).value();
      code = env.reader().getPayload().getRejection().getCode().cStr();
    }
    core.commit(offset{next_event});
    next_event += 10;
    (void)core.snapshot_if_due();  // prunes the ids to the newest dedup_max_ids
    return code;
  }

  test_clock clock;
  actors::rejected_index rejected;
  actors::runtime_context ctx;
  events::crypto::key_pair key = events::crypto::key_pair::generate();
  std::int64_t next_event = 0;
};

} // namespace

BOOST_AUTO_TEST_SUITE(runtime_entity_core)

// Found by the simulator (clock skew, then pruning by count): the daemon's
// clock behind the command's issuer made a forgotten id's command look newer
// than the floor, and its replay was decided again.
BOOST_FIXTURE_TEST_CASE(a_forgotten_id_from_an_issuer_ahead_of_the_daemon_is_refused_as_expired, core_fixture) {
  actors::entity_core<host::entity> core(ctx, "h1");
  const auto ahead = clock.now + std::int64_t{10'000'000'000};  // the issuer's clock: 10 s ahead
  host::register_host reg;
  reg.datastores.push_back(host::datastore{"d", "/srv/d"});
  const auto first = command(reg, ahead, 0, {1});
  BOOST_TEST(decide(core, first) == "");
  // Newer commands push the first id out of the window by count.
  for (std::uint8_t i = 0; i < 4; ++i) {
    clock.now += 1'000'000;
    host::set_state s;
    s.to = i % 2 == 0 ? host::host_state::draining : host::host_state::up;
    BOOST_TEST(decide(core, command(s, ahead + 1'000'000 * (i + 1), i + 1, {static_cast<std::uint8_t>(i + 2)})) == "");
  }
  BOOST_TEST(core.image().processed.find(actors::message_id_key(first.env->id())) == nullptr);
  // The same command again, at a new offset (a replay): refused as expired,
  // never decided a second time (it would be refused already_registered).
  auto replay = command(reg, ahead, 9, {1});
  BOOST_TEST(decide(core, replay) == "expired");
  BOOST_TEST(core.image().seq == 5u);
}

BOOST_FIXTURE_TEST_CASE(an_event_is_never_stamped_before_its_command, core_fixture) {
  actors::entity_core<host::entity> core(ctx, "h1");
  host::register_host reg;
  reg.datastores.push_back(host::datastore{"d", "/srv/d"});
  const auto ahead = clock.now + 5'000'000'000;
  core.begin();
  core.decide(command(reg, ahead, 0, {7}));
  BOOST_REQUIRE_EQUAL(core.pending().events.size(), 1u);
  const auto env = events::envelope::decoded_envelope::decode(core.pending().events.front().value).value();
  BOOST_TEST(env.reader().getTimestampNs() == ahead);
}

// A round's ids go straight into the image's set rather than a copy of it
// (the copy cost a busy entity its history's size every round): a round that
// never reaches the log must take them back, and the window's newest time too.
BOOST_FIXTURE_TEST_CASE(an_abandoned_round_takes_back_its_ids_and_a_committed_one_keeps_them, core_fixture) {
  ctx.dedup_max_ids = 100;
  actors::entity_core<host::entity> core(ctx, "h1");
  host::register_host reg;
  reg.datastores.push_back(host::datastore{"d", "/srv/d"});
  BOOST_TEST(decide(core, command(reg, clock.now, 0, {1})) == "");
  const auto newest = core.image().processed.newest_ns;

  // Given a round that decided two commands, the second signed two hours
  // ahead (beyond the one-hour window),
  clock.now += 1'000'000;
  host::set_state drain;
  drain.to = host::host_state::draining;
  const auto now = command(drain, clock.now, 1, {2});
  host::set_state up;
  up.to = host::host_state::up;
  const auto ahead = command(up, clock.now + 7'200'000'000'000, 2, {3});
  core.begin();
  core.decide(now);
  core.decide(ahead);
  BOOST_REQUIRE_EQUAL(core.pending().event_count, 2u);
  // when the log refuses it,
  core.abandon();
  // then neither id is known, the window is where it was, and the state is the log's;
  BOOST_TEST(core.image().processed.find(actors::message_id_key(now.env->id())) == nullptr);
  BOOST_TEST(core.image().processed.find(actors::message_id_key(ahead.env->id())) == nullptr);
  BOOST_TEST(core.image().processed.size() == 1u);
  BOOST_TEST(core.image().processed.newest_ns == newest);
  BOOST_TEST(core.image().seq == 1u);
  // and the first command, redelivered, is decided again (neither a duplicate
  // nor expired against the abandoned round's time), then kept once committed.
  BOOST_TEST(decide(core, now) == "");
  BOOST_TEST(core.image().processed.find(actors::message_id_key(now.env->id())) != nullptr);
  BOOST_TEST(core.image().seq == 2u);
  BOOST_TEST(decide(core, now) == "");  // the same offset again: its outcome is in the log
  BOOST_TEST(core.image().seq == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace storemesh::testing::runtime
