#include "services/host/host_codec.hpp"
#include "services/migration/copy_job_codec.hpp"
#include "services/migration/engine/chunk_hash.hpp"
#include "services/migration/migration_codec.hpp"
#include "services/migration/reactions.hpp"
#include "services/state_bytes.hpp"
#include "services/testing/decider_spec.hpp"

#include "schemas/copy_job.capnp.h"
#include "schemas/migration.capnp.h"

#include <capnp/message.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace cj = storemesh::services::copy_job;
namespace mg = storemesh::services::migration;
namespace fleet = storemesh::services::fleet;
using fleet_view = storemesh::services::fleet::view;
namespace host = storemesh::services::host;
using storemesh::schema::Envelope;
using storemesh::services::issued_command;
using storemesh::services::testing::spec;

namespace {

// -- comparing commands, which have no operator== -------------------------------------

auto fields(const cj::submit& x) { return std::tie(x.source, x.destination, x.host, x.chunk_size, x.max_rate); }
auto fields(const cj::migrate& x) { return std::tie(x.to, x.reason); }
auto fields(const cj::request_stop& x) { return std::tie(x.migration); }
auto fields(const cj::hand_over& x) { return std::tie(x.migration); }
auto fields(const cj::report_started& x) { return std::tie(x.epoch, x.size, x.mtime_ns); }
auto fields(const cj::report_progress& x) { return std::tie(x.epoch, x.offset, x.hashes); }
auto fields(const cj::report_stopped& x) { return std::tie(x.epoch, x.offset, x.hashes); }
auto fields(const cj::report_finished& x) { return std::tie(x.epoch, x.digest); }
auto fields(const cj::report_failed& x) { return std::tie(x.epoch, x.code, x.reason); }
auto fields(const cj::throttle& x) { return std::tie(x.max_rate, x.until, x.then); }
auto fields(const cj::report_finalizing& x) { return std::tie(x.epoch, x.started_ns); }
auto fields(const mg::begin& x) { return std::tie(x.job, x.migration, x.from, x.to, x.reason); }
auto fields(const mg::observe_portion& x) { return std::tie(x.offset); }
auto fields(const mg::observe_resumed& x) { return std::tie(x.epoch); }
auto fields(const mg::observe_end& x) { return std::tie(x.result); }

template <class Variant>
bool same(const Variant& a, const Variant& b) {
  return a.index() == b.index() && std::visit(
                                       [&](const auto& x) {
                                         using T = std::decay_t<decltype(x)>;
                                         return fields(x) == fields(std::get<T>(b));
                                       },
                                       a);
}

// -- envelopes ------------------------------------------------------------------------

/// The command an issued command writes, read back with its entity's codec.
template <class Entity>
typename Entity::command_type decode(const issued_command& c) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<Envelope>();
  c.write(env);
  BOOST_REQUIRE(Entity::is_command(env.asReader()));
  auto back = Entity::read_command(env.asReader());
  BOOST_REQUIRE_MESSAGE(back.has_value(), "the issued command does not read back");
  return back.value();
}

/// What the reactions call for when entity (Entity::kind, id) records E.
template <class Entity>
std::vector<issued_command> reaction(const std::string& id, const typename Entity::event_type& e,
                                     const fleet::view& f = {}) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<Envelope>();
  Entity::write_event(e, env);
  return mg::react(Entity::kind, id, env.asReader(), f);
}

/// Exactly one command, to entity (Entity::kind, id), equal to EXPECTED.
template <class Entity>
void expect_one(const std::vector<issued_command>& issued, const std::string& id,
                const typename Entity::command_type& expected) {
  BOOST_REQUIRE_EQUAL(issued.size(), 1u);
  BOOST_CHECK_EQUAL(issued[0].kind, std::string(Entity::kind));
  BOOST_CHECK_EQUAL(issued[0].id, id);
  BOOST_CHECK_MESSAGE(same(decode<Entity>(issued[0]), expected), "the issued command differs from the expected one");
}

cj::chunk_hash h(int i) {
  cj::chunk_hash x{};
  x.fill(static_cast<std::uint8_t>(0x40 + i));
  return x;
}

auto pm() { return spec<mg::entity>(); }

const cj::location src{"src", "vm/disk.img"};
const cj::location dst{"dst", "copies/disk.img"};

const mg::begun begun_1{"j", 1, "a", "b", "drain"};

} // namespace

// =====================================================================================
BOOST_AUTO_TEST_SUITE(migration_decider)

BOOST_AUTO_TEST_CASE(every_command_in_every_phase_is_accepted_or_stale) {
  struct row {
    const char* phase;
    std::vector<mg::event> history;
    mg::command command;
    std::optional<mg::event> accepted;  ///< none: stale
  };
  const std::vector<mg::event> none{};
  const std::vector<mg::event> stopping{begun_1};
  const std::vector<mg::event> handing{begun_1, mg::portion_received{8192}};
  const std::vector<mg::event> resumed{begun_1, mg::portion_received{8192}, mg::resumed{2}};
  const std::vector<mg::event> ended_early{begun_1, mg::ended{mg::outcome::completed}};
  const std::vector<mg::event> ended_late{begun_1, mg::portion_received{8192}, mg::ended{mg::outcome::failed}};
  const mg::command begin{mg::begin{"j", 1, "a", "b", "drain"}};
  const mg::command portion{mg::observe_portion{8192}};
  const mg::command resume{mg::observe_resumed{2}};
  const mg::command end_ok{mg::observe_end{mg::outcome::completed}};
  const mg::command end_failed{mg::observe_end{mg::outcome::failed}};

  const std::vector<row> table{
      {"none", none, begin, mg::event{begun_1}},
      {"none", none, portion, std::nullopt},
      {"none", none, resume, std::nullopt},
      {"none", none, end_ok, std::nullopt},
      {"stopping", stopping, begin, std::nullopt},
      {"stopping", stopping, portion, mg::event{mg::portion_received{8192}}},
      {"stopping", stopping, resume, std::nullopt},
      {"stopping", stopping, end_ok, mg::event{mg::ended{mg::outcome::completed}}},
      {"stopping", stopping, end_failed, mg::event{mg::ended{mg::outcome::failed}}},
      {"handing", handing, begin, std::nullopt},
      {"handing", handing, portion, std::nullopt},
      {"handing", handing, resume, mg::event{mg::resumed{2}}},
      {"handing", handing, end_ok, mg::event{mg::ended{mg::outcome::completed}}},
      {"handing", handing, end_failed, mg::event{mg::ended{mg::outcome::failed}}},
      {"resumed", resumed, begin, std::nullopt},
      {"resumed", resumed, portion, std::nullopt},
      {"resumed", resumed, resume, std::nullopt},
      {"resumed", resumed, end_ok, std::nullopt},
      {"ended early", ended_early, begin, std::nullopt},
      {"ended early", ended_early, portion, std::nullopt},
      {"ended early", ended_early, resume, std::nullopt},
      {"ended early", ended_early, end_ok, std::nullopt},
      {"ended late", ended_late, portion, std::nullopt},
      {"ended late", ended_late, resume, std::nullopt},
      {"ended late", ended_late, end_failed, std::nullopt},
  };
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto& r = table[i];
    BOOST_TEST_CONTEXT("row " << i << ": phase " << r.phase << ", command #" << r.command.index()) {
      if (r.accepted)
        pm().given(r.history).when(r.command).then({*r.accepted});
      else
        pm().given(r.history).when(r.command).then_rejected("stale");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_begin_without_a_job_a_number_or_two_different_hosts_is_invalid) {
  for (const mg::begin& b : {mg::begin{"", 1, "a", "b", ""}, mg::begin{"j", 0, "a", "b", ""},
                             mg::begin{"j", 1, "", "b", ""}, mg::begin{"j", 1, "a", "", ""},
                             mg::begin{"j", 1, "a", "a", ""}}) {
    BOOST_TEST_CONTEXT("begin{'" << b.job << "', " << b.migration << ", '" << b.from << "', '" << b.to << "'}") {
      pm().when(b).then_rejected("invalid");
    }
  }
}

BOOST_AUTO_TEST_CASE(the_state_follows_the_steps) {
  auto s = pm().given({begun_1, mg::portion_received{8192}, mg::resumed{2}}).current();
  BOOST_CHECK(s.at == mg::phase::resumed);
  BOOST_TEST(s.job == "j");
  BOOST_TEST(s.migration == 1u);
  BOOST_TEST(s.from == "a");
  BOOST_TEST(s.to == "b");
  BOOST_TEST(s.reason == "drain");
  BOOST_TEST(s.offset == 8192u);
  BOOST_TEST(s.epoch == 2u);
  auto e = pm().given({begun_1, mg::ended{mg::outcome::failed}}).current();
  BOOST_CHECK(e.at == mg::phase::ended);
  BOOST_CHECK(e.result == mg::outcome::failed);
}

BOOST_AUTO_TEST_SUITE_END()

// =====================================================================================
BOOST_AUTO_TEST_SUITE(migration_ids)

BOOST_AUTO_TEST_CASE(an_id_names_its_job_and_number_and_reads_back) {
  const std::uint32_t max = std::numeric_limits<std::uint32_t>::max();
  for (const auto& [job, n] : std::vector<std::pair<std::string, std::uint32_t>>{
           {"j", 1}, {"job-42", 7}, {"a:b", 3}, {"x", 999'999'999}, {"x", 1'000'000'000}, {"x", max}}) {
    BOOST_TEST_CONTEXT(job << " #" << n) {
      const auto id = mg::migration_id(job, n);
      auto back = mg::parse_migration_id(id);
      BOOST_REQUIRE(back.has_value());
      BOOST_TEST(back->first == job);
      BOOST_TEST(back->second == n);
    }
  }
  BOOST_TEST(mg::migration_id("j", 12) == "j:12");
}

BOOST_AUTO_TEST_CASE(malformed_ids_name_nothing) {
  for (const char* id : {"", "j", ":1", "j:", "j:0", "j:01", "j:00", "j:x", "j:1x", "j:-1", "j: 1", "j:4294967296",
                         "j:99999999999999999999"}) {
    BOOST_TEST_CONTEXT("id '" << id << "'") { BOOST_CHECK(!mg::parse_migration_id(id).has_value()); }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// =====================================================================================
BOOST_AUTO_TEST_SUITE(migration_reactions)

BOOST_AUTO_TEST_CASE(a_requested_migration_begins_its_process_manager) {
  expect_one<mg::entity>(reaction<cj::entity>("j", cj::migration_requested{3, "a", "b", "drain"}), "j:3",
                         mg::begin{"j", 3, "a", "b", "drain"});
}

BOOST_AUTO_TEST_CASE(a_begun_migration_asks_the_job_to_stop_its_source) {
  expect_one<cj::entity>(reaction<mg::entity>("j:3", mg::begun{"j", 3, "a", "b", "drain"}), "j",
                         cj::request_stop{3});
}

BOOST_AUTO_TEST_CASE(a_completed_portion_is_observed_by_its_migration) {
  expect_one<mg::entity>(reaction<cj::entity>("j", cj::portion_completed{"a", 1, 8192, 3}), "j:3",
                         mg::observe_portion{8192});
}

BOOST_AUTO_TEST_CASE(a_received_portion_hands_the_job_over) {
  expect_one<cj::entity>(reaction<mg::entity>("j:3", mg::portion_received{8192}), "j", cj::hand_over{3});
  expect_one<cj::entity>(reaction<mg::entity>("a:b:2", mg::portion_received{0}), "a:b", cj::hand_over{2});
}

BOOST_AUTO_TEST_CASE(a_reassignment_by_a_migration_is_observed_as_resumed) {
  expect_one<mg::entity>(reaction<cj::entity>("j", cj::assigned{"b", 2, 8192, 3}), "j:3", mg::observe_resumed{2});
}

BOOST_AUTO_TEST_CASE(the_end_of_a_job_during_a_migration_ends_it) {
  expect_one<mg::entity>(reaction<cj::entity>("j", cj::completed{h(0), 3}), "j:3",
                         mg::observe_end{mg::outcome::completed});
  expect_one<mg::entity>(reaction<cj::entity>("j", cj::failed{"io", "x", 3}), "j:3",
                         mg::observe_end{mg::outcome::failed});
}

BOOST_AUTO_TEST_CASE(a_draining_host_moves_every_job_it_runs_and_no_other) {
  fleet::view f;
  f.hosts["a"].jobs = {"j1", "j2"};
  f.hosts["b"].jobs = {"j3"};
  auto issued = reaction<host::entity>("a", host::state_changed{host::host_state::up, host::host_state::draining, ""}, f);
  BOOST_REQUIRE_EQUAL(issued.size(), 2u);
  std::map<std::string, cj::command> by_job;
  for (const auto& c : issued) {
    BOOST_CHECK_EQUAL(c.kind, std::string(cj::entity::kind));
    by_job.emplace(c.id, decode<cj::entity>(c));
  }
  BOOST_REQUIRE(by_job.count("j1") == 1 && by_job.count("j2") == 1);
  for (const auto& [id, c] : by_job)
    BOOST_CHECK(same(c, cj::command{cj::migrate{"", "host a is draining"}}));
}

BOOST_AUTO_TEST_CASE(a_draining_host_without_jobs_calls_for_nothing) {
  fleet::view f;
  f.hosts["a"];
  f.hosts["b"].jobs = {"j3"};
  const host::state_changed drain{host::host_state::up, host::host_state::draining, ""};
  BOOST_TEST(reaction<host::entity>("a", drain, f).empty());
  BOOST_TEST(reaction<host::entity>("unknown", drain, f).empty());
}

BOOST_AUTO_TEST_CASE(a_host_that_comes_up_places_the_jobs_waiting_between_hosts) {
  fleet::view f;
  f.hosts["a"].jobs = {"j1"};
  f.waiting = {"w1", "w2"};
  for (const host::event& e : {host::event{host::registered{{{"src", "/srv/src"}}}},
                               host::event{host::state_changed{host::host_state::down, host::host_state::up, ""}}}) {
    auto issued = reaction<host::entity>("c", e, f);
    BOOST_REQUIRE_EQUAL(issued.size(), 2u);
    for (const auto& c : issued) {
      BOOST_TEST(f.waiting.count(c.id) == 1u);
      BOOST_CHECK(same(decode<cj::entity>(c), cj::command{cj::migrate{"", "host c came up"}}));
    }
  }
  // Going down, or draining (which moves its own jobs only), places nothing.
  BOOST_TEST(reaction<host::entity>("c", host::state_changed{host::host_state::up, host::host_state::down, ""}, f)
                 .empty());
}

BOOST_AUTO_TEST_CASE(the_fleet_knows_which_jobs_wait_between_hosts) {
  fleet::view f;
  auto s = cj::initial;
  s.status = cj::job_status::stopping;
  s.portion_done = true;
  cj::entity::publish(f, "w", s);
  BOOST_TEST(f.waiting.count("w") == 1u);
  s.status = cj::job_status::running;
  s.portion_done = false;
  s.host = "b";
  cj::entity::publish(f, "w", s);
  BOOST_TEST(f.waiting.empty());
}

BOOST_AUTO_TEST_CASE(events_that_call_for_nothing_produce_nothing) {
  fleet::view f;
  f.hosts["a"].jobs = {"j1"};
  const std::vector<cj::event> job_events{
      cj::submitted{{"src", "x"}, {"dst", "x"}, 4096, 0},
      cj::assigned{"a", 1, 0, 0},  // request 1: no migration
      cj::started{100, 1},
      cj::progressed{4096, {h(0)}},
      cj::stop_requested{1, "a", 1},
      cj::portion_completed{"a", 1, 4096, 0},
      cj::completed{h(0), 0},
      cj::failed{"io", "x", 0},
  };
  for (std::size_t i = 0; i < job_events.size(); ++i)
    BOOST_TEST_CONTEXT("job event #" << job_events[i].index() << " (" << i << ")") {
      BOOST_TEST(reaction<cj::entity>("j1", job_events[i], f).empty());
    }
  for (const mg::event& e : {mg::event{mg::resumed{2}}, mg::event{mg::ended{mg::outcome::completed}}})
    BOOST_TEST(reaction<mg::entity>("j1:1", e, f).empty());
  // A portion received by a migration whose id names no job.
  BOOST_TEST(reaction<mg::entity>("no-number", mg::portion_received{0}, f).empty());
  for (const host::event& e :
       {host::event{host::registered{{{"src", "/srv/src"}}}},
        host::event{host::state_changed{host::host_state::up, host::host_state::down, ""}},
        host::event{host::state_changed{host::host_state::draining, host::host_state::up, ""}}})
    BOOST_TEST(reaction<host::entity>("a", e, f).empty());
}

BOOST_AUTO_TEST_CASE(unreadable_or_foreign_events_call_for_nothing) {
  fleet::view f;
  f.hosts["a"].jobs = {"j1"};
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<Envelope>();
  // A job's event presented as a host's, and the other way round.
  cj::entity::write_event(cj::migration_requested{1, "a", "b", ""}, env);
  BOOST_TEST(mg::react(host::entity::kind, "a", env.asReader(), f).empty());
  BOOST_TEST(mg::react(mg::entity::kind, "j:1", env.asReader(), f).empty());
  BOOST_TEST(mg::react("elsewhere", "j", env.asReader(), f).empty());
  host::entity::write_event(host::state_changed{host::host_state::up, host::host_state::draining, ""}, env);
  BOOST_TEST(mg::react(cj::entity::kind, "a", env.asReader(), f).empty());
  // A command is not an event.
  cj::entity::write_command(cj::migrate{"b", ""}, env);
  BOOST_TEST(mg::react(cj::entity::kind, "j1", env.asReader(), f).empty());
}

BOOST_AUTO_TEST_CASE(the_reactions_read_jobs_migrations_and_hosts) {
  const auto& kinds = mg::reaction_inputs();
  BOOST_TEST(kinds.size() == 3u);
  for (auto k : {cj::entity::kind, mg::entity::kind, host::entity::kind})
    BOOST_TEST((std::find(kinds.begin(), kinds.end(), k) != kinds.end()), "missing " << k);
}

BOOST_AUTO_TEST_SUITE_END()

// =====================================================================================
BOOST_AUTO_TEST_SUITE(migration_codecs)

namespace {

template <class Entity>
void command_round_trips(const typename Entity::command_type& c) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<Envelope>();
  Entity::write_command(c, env);
  BOOST_CHECK(Entity::is_command(env.asReader()));
  BOOST_CHECK(!Entity::is_event(env.asReader()));
  auto back = Entity::read_command(env.asReader());
  BOOST_REQUIRE(back.has_value());
  BOOST_CHECK_MESSAGE(same(back.value(), c), "command #" << c.index() << " changed on its way through capnp");
  BOOST_CHECK(!Entity::read_event(env.asReader()).has_value());
}

template <class Entity>
void event_round_trips(const typename Entity::event_type& e) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<Envelope>();
  Entity::write_event(e, env);
  BOOST_CHECK(Entity::is_event(env.asReader()));
  auto back = Entity::read_event(env.asReader());
  BOOST_REQUIRE(back.has_value());
  BOOST_CHECK_MESSAGE(back.value() == e, "event #" << e.index() << " changed on its way through capnp");
  BOOST_CHECK(!Entity::read_command(env.asReader()).has_value());
}

cj::state busy_job() {
  cj::state s;
  s.status = cj::job_status::stopping;
  s.source = src;
  s.destination = dst;
  s.chunk_size = 65536;
  s.max_rate = 1 << 20;
  s.host = "a";
  s.epoch = 3;
  s.started = true;
  s.size = 1'000'000;
  s.mtime_ns = -5;  // before 1970: signed on the wire
  s.offset = 131072;
  s.hashes = {h(0), h(1)};
  s.migrations = 2;
  s.migrate_to = "b";
  s.stop_sent = true;
  s.portion_done = true;
  s.hops = {{"a", 1, 0}, {"c", 2, 65536}, {"a", 3, 65536}};
  s.digest = h(9);
  s.failure_code = "io";
  s.failure_reason = "read error";
  return s;
}

mg::state busy_migration() {
  mg::state s;
  s.at = mg::phase::ended;
  s.job = "j";
  s.migration = 4;
  s.from = "a";
  s.to = "b";
  s.reason = "drain";
  s.offset = 8192;
  s.epoch = 5;
  s.result = mg::outcome::failed;
  return s;
}

} // namespace

BOOST_AUTO_TEST_CASE(every_copy_job_command_survives_its_capnp_form) {
  for (const cj::command& c : {
           cj::command{cj::submit{src, dst, "a", 65536, 1000}},
           cj::command{cj::submit{src, dst, "", cj::default_chunk_size, 0}},
           cj::command{cj::migrate{"b", "rebalance"}},
           cj::command{cj::request_stop{7}},
           cj::command{cj::hand_over{8}},
           cj::command{cj::report_started{2, 123456789, -42}},
           cj::command{cj::report_progress{2, 8192, {h(0), h(1)}}},
           cj::command{cj::report_progress{2, 10, {}}},
           cj::command{cj::report_stopped{3, 12288, {h(2)}}},
           cj::command{cj::report_finished{4, h(5)}},
           cj::command{cj::report_failed{5, "disk_full", "no space"}},
       })
    command_round_trips<cj::entity>(c);
}

BOOST_AUTO_TEST_CASE(every_copy_job_event_survives_its_capnp_form) {
  for (const cj::event& e : {
           cj::event{cj::submitted{src, dst, 65536, 1000}},
           cj::event{cj::assigned{"b", 2, 8192, 1}},
           cj::event{cj::started{123456789, -42}},
           cj::event{cj::progressed{8192, {h(0), h(1)}}},
           cj::event{cj::migration_requested{1, "a", "b", "drain"}},
           cj::event{cj::stop_requested{1, "a", 1}},
           cj::event{cj::portion_completed{"a", 1, 8192, 1}},
           cj::event{cj::completed{h(7), 2}},
           cj::event{cj::failed{"io", "read error", 3}},
       })
    event_round_trips<cj::entity>(e);
}

BOOST_AUTO_TEST_CASE(every_migration_command_and_event_survives_its_capnp_form) {
  for (const mg::command& c : {
           mg::command{mg::begin{"j", 2, "a", "b", "drain"}},
           mg::command{mg::observe_portion{8192}},
           mg::command{mg::observe_resumed{3}},
           mg::command{mg::observe_end{mg::outcome::completed}},
           mg::command{mg::observe_end{mg::outcome::failed}},
       })
    command_round_trips<mg::entity>(c);
  for (const mg::event& e : {
           mg::event{mg::begun{"j", 2, "a", "b", "drain"}},
           mg::event{mg::portion_received{8192}},
           mg::event{mg::resumed{3}},
           mg::event{mg::ended{mg::outcome::completed}},
           mg::event{mg::ended{mg::outcome::failed}},
       })
    event_round_trips<mg::entity>(e);
}

BOOST_AUTO_TEST_CASE(every_state_survives_its_snapshot_bytes) {
  for (const cj::state& s : {cj::initial, busy_job()}) {
    auto back = cj::entity::read_state(cj::entity::write_state(s));
    BOOST_REQUIRE(back.has_value());
    BOOST_CHECK(back.value() == s);
  }
  for (auto status : {cj::job_status::none, cj::job_status::running, cj::job_status::completed,
                      cj::job_status::failed}) {
    auto s = busy_job();
    s.status = status;
    auto back = cj::entity::read_state(cj::entity::write_state(s));
    BOOST_REQUIRE(back.has_value());
    BOOST_CHECK(back.value() == s);
  }
  for (const mg::state& s : {mg::initial, busy_migration()}) {
    auto back = mg::entity::read_state(mg::entity::write_state(s));
    BOOST_REQUIRE(back.has_value());
    BOOST_CHECK(back.value() == s);
  }
  for (auto at : {mg::phase::none, mg::phase::stopping_source, mg::phase::handing_over, mg::phase::resumed}) {
    auto s = busy_migration();
    s.at = at;
    s.result = mg::outcome::completed;
    auto back = mg::entity::read_state(mg::entity::write_state(s));
    BOOST_REQUIRE(back.has_value());
    BOOST_CHECK(back.value() == s);
  }
}

BOOST_AUTO_TEST_CASE(garbage_state_bytes_are_an_error_not_a_crash) {
  for (const std::string& bytes : {std::string(), std::string("1234567"), std::string(64, '\xff'),
                                   std::string(64, '\0'), std::string(8, '\x01')}) {
    BOOST_TEST_CONTEXT(bytes.size() << " bytes") {
      BOOST_CHECK(!cj::entity::read_state(bytes).has_value());
      BOOST_CHECK(!mg::entity::read_state(bytes).has_value());
    }
  }
}

BOOST_AUTO_TEST_CASE(a_state_cut_at_any_byte_is_an_error) {
  const auto job_bytes = cj::entity::write_state(busy_job());
  for (std::size_t n = 0; n < job_bytes.size(); ++n)
    BOOST_TEST_CONTEXT("copy_job state cut at " << n) {
      BOOST_CHECK(!cj::entity::read_state(job_bytes.substr(0, n)).has_value());
    }
  const auto pm_bytes = mg::entity::write_state(busy_migration());
  for (std::size_t n = 0; n < pm_bytes.size(); ++n)
    BOOST_TEST_CONTEXT("migration state cut at " << n) {
      BOOST_CHECK(!mg::entity::read_state(pm_bytes.substr(0, n)).has_value());
    }
}

BOOST_AUTO_TEST_CASE(out_of_range_values_in_a_state_are_an_error) {
  namespace S = storemesh::schema;
  using storemesh::services::state_to_bytes;
  BOOST_CHECK(!cj::entity::read_state(state_to_bytes<S::copy_job::State>([](S::copy_job::State::Builder r) {
                 r.setStatus(6);  // 5 is finalizing
               })).has_value());
  BOOST_CHECK(!cj::entity::read_state(state_to_bytes<S::copy_job::State>([](S::copy_job::State::Builder r) {
                 auto hashes = r.initHashes(1);
                 const std::uint8_t short_hash[31] = {};
                 hashes.set(0, capnp::Data::Reader(short_hash, sizeof short_hash));
               })).has_value());
  BOOST_CHECK(!cj::entity::read_state(state_to_bytes<S::copy_job::State>([](S::copy_job::State::Builder r) {
                 const std::uint8_t long_digest[33] = {};
                 r.setDigest(capnp::Data::Reader(long_digest, sizeof long_digest));
               })).has_value());
  BOOST_CHECK(!mg::entity::read_state(state_to_bytes<S::migration::State>([](S::migration::State::Builder r) {
                 r.setPhase(5);
               })).has_value());
  BOOST_CHECK(!mg::entity::read_state(state_to_bytes<S::migration::State>([](S::migration::State::Builder r) {
                 r.setOutcome(2);
               })).has_value());
}

BOOST_AUTO_TEST_CASE(a_short_chunk_hash_in_a_command_or_event_is_an_error) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<Envelope>();
  const std::uint8_t short_hash[16] = {};
  cj::entity::write_command(cj::report_progress{1, 4096, {h(0)}}, env);
  env.getPayload().getCopyJobCommand().getReportProgress().getHashes().set(
      0, capnp::Data::Reader(short_hash, sizeof short_hash));
  BOOST_CHECK(!cj::entity::read_command(env.asReader()).has_value());
  cj::entity::write_event(cj::completed{h(0), 0}, env);
  env.getPayload().getCopyJobEvent().getCompleted().setDigest(capnp::Data::Reader(short_hash, sizeof short_hash));
  BOOST_CHECK(!cj::entity::read_event(env.asReader()).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

// =====================================================================================
// The protocol end to end in memory: the job, its migrations and the fleet,
// wired by the reactions as the runtime wires them (every issued command is
// written to an envelope and read back, every event is written and read by
// react()).
namespace {

class world {
public:
  fleet_view fleet;
  cj::state job;
  std::map<std::string, mg::state> migrations;
  std::vector<std::string> rejected;  ///< "<kind> <id>: <code>" of every refused command

  world() {
    for (const char* id : {"a", "b"}) {
      fleet.hosts[id].status = host::host_state::up;
      fleet.hosts[id].datastores = {{"src", "/srv/src"}, {"dst", "/srv/dst"}};
    }
  }

  /// An operator's or agent's command to job "j"; whatever it sets off runs
  /// to quiescence. The job's decision.
  storemesh::services::decision<cj::event> to_job(const cj::command& c) {
    auto d = decide_job(c);
    drain();
    return d;
  }

  /// Host ID changes state; the fleet view learns it and the reactions run.
  void host_changes(const std::string& id, host::host_state to) {
    const auto from = fleet.hosts[id].status;
    fleet.hosts[id].status = to;
    react<host::entity>(id, host::state_changed{from, to, ""});
    drain();
  }

private:
  std::deque<issued_command> pending_;

  template <class Entity>
  void react(const std::string& id, const typename Entity::event_type& e) {
    capnp::MallocMessageBuilder m;
    auto env = m.initRoot<Envelope>();
    Entity::write_event(e, env);
    for (auto& c : mg::react(Entity::kind, id, env.asReader(), fleet))
      pending_.push_back(std::move(c));
  }

  storemesh::services::decision<cj::event> decide_job(const cj::command& c) {
    auto d = cj::decide(job, c, fleet);
    if (!d.accepted())
      rejected.push_back("copy_job j: " + d.why().code);
    for (const auto& e : d.events) {
      job = cj::evolve(std::move(job), e);
      cj::entity::publish(fleet, "j", job);
      react<cj::entity>("j", e);
    }
    return d;
  }

  void decide_migration(const std::string& id, const mg::command& c) {
    auto& s = migrations[id];
    auto d = mg::decide(s, c);
    if (!d.accepted())
      rejected.push_back("migration " + id + ": " + d.why().code);
    for (const auto& e : d.events) {
      s = mg::evolve(std::move(s), e);
      react<mg::entity>(id, e);
    }
  }

  void drain() {
    while (!pending_.empty()) {
      auto c = std::move(pending_.front());
      pending_.pop_front();
      if (c.kind == cj::entity::kind) {
        BOOST_REQUIRE_EQUAL(c.id, "j");
        decide_job(decode<cj::entity>(c));
      } else {
        BOOST_REQUIRE_EQUAL(c.kind, std::string(mg::entity::kind));
        decide_migration(c.id, decode<mg::entity>(c));
      }
    }
  }
};

constexpr std::uint64_t chunk = 4096;
constexpr std::uint64_t size = 2 * chunk + 1;  // three chunks
const std::vector<cj::chunk_hash> hashes{h(0), h(1), h(2)};

void expect_accepted(const storemesh::services::decision<cj::event>& d) {
  BOOST_CHECK_MESSAGE(d.accepted(), "rejected: " << (d.accepted() ? "" : d.why().code + ": " + d.why().reason));
}

} // namespace

BOOST_AUTO_TEST_SUITE(migration_protocol)

BOOST_AUTO_TEST_CASE(draining_a_host_moves_its_job_to_another_through_the_process_manager) {
  world w;
  expect_accepted(w.to_job(cj::submit{src, dst, "", chunk}));
  BOOST_TEST(w.job.host == "a");
  expect_accepted(w.to_job(cj::report_started{1, size, 0}));
  expect_accepted(w.to_job(cj::report_progress{1, chunk, {h(0)}}));

  // Drain a: migrate -> begin -> request_stop, and a is asked to stop.
  w.host_changes("a", host::host_state::draining);
  BOOST_CHECK(w.job.status == cj::job_status::stopping);
  BOOST_TEST(w.job.stop_sent);
  BOOST_TEST(w.job.migrate_to == "b");
  BOOST_REQUIRE(w.migrations.count("j:1") == 1);
  BOOST_CHECK(w.migrations["j:1"].at == mg::phase::stopping_source);

  // a finishes its chunk in flight and stops: portion -> hand_over -> resumed.
  expect_accepted(w.to_job(cj::report_stopped{1, 2 * chunk, {h(1)}}));
  BOOST_TEST(w.job.host == "b");
  BOOST_TEST(w.job.epoch == 2u);
  BOOST_CHECK(w.migrations["j:1"].at == mg::phase::resumed);
  BOOST_TEST(w.migrations["j:1"].offset == 2 * chunk);
  BOOST_TEST(w.migrations["j:1"].epoch == 2u);
  BOOST_CHECK(w.fleet.hosts["a"].jobs.empty());
  BOOST_TEST(w.fleet.hosts["b"].jobs.count("j") == 1u);

  // a, late, is fenced; b finishes.
  BOOST_TEST(w.to_job(cj::report_progress{1, size, {h(2)}}).why().code == "stale");
  expect_accepted(w.to_job(cj::report_progress{2, size, {h(2)}}));
  expect_accepted(w.to_job(cj::report_finished{2, mg::job_digest(hashes)}));
  BOOST_CHECK(w.job.status == cj::job_status::completed);
  BOOST_CHECK(w.job.hashes == hashes);
  BOOST_CHECK(w.migrations["j:1"].at == mg::phase::resumed);
  BOOST_TEST(w.fleet.hosts["b"].jobs.empty());
  BOOST_TEST(w.rejected == std::vector<std::string>{"copy_job j: stale"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_job_that_finishes_before_stopping_ends_its_migration) {
  world w;
  expect_accepted(w.to_job(cj::submit{src, dst, "a", chunk}));
  expect_accepted(w.to_job(cj::report_started{1, size, 0}));
  expect_accepted(w.to_job(cj::report_progress{1, size, hashes}));
  expect_accepted(w.to_job(cj::migrate{"b", "rebalance"}));
  BOOST_CHECK(w.migrations["j:1"].at == mg::phase::stopping_source);
  expect_accepted(w.to_job(cj::report_finished{1, mg::job_digest(hashes)}));
  BOOST_CHECK(w.job.status == cj::job_status::completed);
  BOOST_CHECK(w.migrations["j:1"].at == mg::phase::ended);
  BOOST_CHECK(w.migrations["j:1"].result == mg::outcome::completed);
  BOOST_TEST(w.rejected.empty());
}

BOOST_AUTO_TEST_CASE(a_job_that_fails_between_stop_and_portion_ends_its_migration_failed) {
  world w;
  expect_accepted(w.to_job(cj::submit{src, dst, "a", chunk}));
  expect_accepted(w.to_job(cj::report_started{1, size, 0}));
  expect_accepted(w.to_job(cj::migrate{"", "rebalance"}));
  BOOST_TEST(w.job.stop_sent);
  expect_accepted(w.to_job(cj::report_failed{1, "io", "read error"}));
  BOOST_CHECK(w.job.status == cj::job_status::failed);
  BOOST_CHECK(w.migrations["j:1"].at == mg::phase::ended);
  BOOST_CHECK(w.migrations["j:1"].result == mg::outcome::failed);
  BOOST_TEST(w.fleet.hosts["a"].jobs.empty());
  BOOST_TEST(w.rejected.empty());
}

BOOST_AUTO_TEST_SUITE_END()
