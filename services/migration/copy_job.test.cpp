#include "services/migration/copy_job_codec.hpp"

#include <capnp/message.h>
#include "services/migration/engine/chunk_hash.hpp"
#include "services/testing/decider_spec.hpp"

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

using namespace storemesh::services::copy_job;
using storemesh::services::decision;
using storemesh::services::migration::job_digest;
using storemesh::services::testing::spec;
namespace fleet = storemesh::services::fleet;
using fleet_view = storemesh::services::fleet::view;
using storemesh::services::host::host_state;

namespace {

// -- the fleet ------------------------------------------------------------------------

fleet::host_entry host_entry(host_state status, std::set<std::string> datastores, std::set<std::string> jobs = {}) {
  fleet::host_entry h;
  h.status = status;
  for (const auto& ds : datastores)
    h.datastores[ds] = "/srv/" + ds;
  h.jobs = std::move(jobs);
  return h;
}

/// a and b: up, mounting both datastores, no jobs. c: up, source only.
/// d: down, e: draining (both mounting both).
fleet::view standard_fleet() {
  fleet::view f;
  f.hosts["a"] = host_entry(host_state::up, {"src", "dst"});
  f.hosts["b"] = host_entry(host_state::up, {"src", "dst"});
  f.hosts["c"] = host_entry(host_state::up, {"src"});
  f.hosts["d"] = host_entry(host_state::down, {"src", "dst"});
  f.hosts["e"] = host_entry(host_state::draining, {"src", "dst"});
  return f;
}

auto job(fleet::view f = standard_fleet()) { return spec<entity>().with_fleet(std::move(f)); }

// -- the file -------------------------------------------------------------------------

const location src{"src", "vm/disk.img"};
const location dst{"dst", "vm/disk.img"};
constexpr std::uint64_t chunk = 4096;          // the smallest chunk size
constexpr std::uint64_t size = 3 * chunk + 100;  // four chunks, the last partial
constexpr std::int64_t mtime = 1'700'000'000'000'000'000;

chunk_hash h(int i) {
  chunk_hash x{};
  x.fill(static_cast<std::uint8_t>(0x10 + i));
  return x;
}
const std::vector<chunk_hash> all_hashes{h(0), h(1), h(2), h(3)};

// -- histories, each one step further ------------------------------------------------------

std::vector<event> plus(std::vector<event> history, std::initializer_list<event> more) {
  history.insert(history.end(), more.begin(), more.end());
  return history;
}

std::vector<event> on_a() { return {submitted{src, dst, chunk, 0}, assigned{"a", 1, 0, 0}}; }
std::vector<event> started_on_a() { return plus(on_a(), {started{size, mtime}}); }
/// Two whole chunks copied on a.
std::vector<event> two_chunks_on_a() { return plus(started_on_a(), {progressed{2 * chunk, {h(0), h(1)}}}); }
/// Every byte copied on a, not yet reported finished.
std::vector<event> all_copied_on_a() { return plus(started_on_a(), {progressed{size, all_hashes}}); }
/// Migration 1, a -> b, requested.
std::vector<event> migrating() { return plus(two_chunks_on_a(), {migration_requested{1, "a", "b", "rebalance"}}); }
/// ... and a asked to stop.
std::vector<event> stop_sent() { return plus(migrating(), {stop_requested{1, "a", 1}}); }
/// ... and a stopped after two chunks: the job is between hosts.
std::vector<event> between_hosts() { return plus(stop_sent(), {portion_completed{"a", 1, 2 * chunk, 1}}); }
/// ... and b took it over.
std::vector<event> resumed_on_b() { return plus(between_hosts(), {assigned{"b", 2, 2 * chunk, 1}}); }

state state_after(const std::vector<event>& history) { return spec<entity>().given(history).current(); }

} // namespace

// =====================================================================================
BOOST_AUTO_TEST_SUITE(copy_job_submit)

BOOST_AUTO_TEST_CASE(submitting_to_a_given_host_assigns_it_epoch_1_from_offset_0) {
  job().when(submit{src, dst, "b", chunk, 1 << 20}).then({submitted{src, dst, chunk, 1 << 20}, assigned{"b", 1, 0, 0}});
}

BOOST_AUTO_TEST_CASE(without_a_host_the_policy_picks_the_up_host_with_the_fewest_jobs) {
  auto f = standard_fleet();
  f.hosts["a"].jobs = {"j1", "j2"};
  f.hosts["b"].jobs = {"j3"};
  f.hosts["c"] = host_entry(host_state::up, {"src", "dst"}, {"j4", "j5"});
  f.hosts["d"].jobs.clear();  // down: never chosen, however idle
  job(f).when(submit{src, dst, ""}).then({submitted{src, dst, default_chunk_size, 0}, assigned{"b", 1, 0, 0}});
}

BOOST_AUTO_TEST_CASE(a_tie_on_jobs_goes_to_the_smallest_host_id) {
  fleet::view f;
  f.hosts["m"] = host_entry(host_state::up, {"src", "dst"}, {"j1"});
  f.hosts["k"] = host_entry(host_state::up, {"src", "dst"}, {"j2"});
  f.hosts["z"] = host_entry(host_state::up, {"src", "dst"}, {"j3"});
  job(f).when(submit{src, dst, "", chunk}).then({submitted{src, dst, chunk, 0}, assigned{"k", 1, 0, 0}});
}

BOOST_AUTO_TEST_CASE(the_policy_skips_hosts_that_do_not_mount_both_datastores) {
  fleet::view f;
  f.hosts["a"] = host_entry(host_state::up, {"src"});
  f.hosts["b"] = host_entry(host_state::up, {"dst"});
  f.hosts["c"] = host_entry(host_state::up, {"src", "dst"}, {"j1", "j2", "j3"});
  job(f).when(submit{src, dst, "", chunk}).then({submitted{src, dst, chunk, 0}, assigned{"c", 1, 0, 0}});
}

BOOST_AUTO_TEST_CASE(no_up_host_mounting_both_datastores_is_no_host) {
  fleet::view f;
  f.hosts["a"] = host_entry(host_state::up, {"src"});
  f.hosts["b"] = host_entry(host_state::up, {"dst"});
  f.hosts["d"] = host_entry(host_state::down, {"src", "dst"});
  f.hosts["e"] = host_entry(host_state::draining, {"src", "dst"});
  job(f).when(submit{src, dst, "", chunk}).then_rejected("no_host");
}

BOOST_AUTO_TEST_CASE(a_datastore_no_host_mounts_is_unknown) {
  job().when(submit{{"nowhere", "x"}, dst, "a", chunk}).then_rejected("unknown_datastore");
  job().when(submit{src, {"nowhere", "x"}, "a", chunk}).then_rejected("unknown_datastore");
}

BOOST_AUTO_TEST_CASE(paths_that_could_leave_the_datastore_or_are_not_normal_are_bad) {
  for (const char* p : {"..", "../etc/passwd", "vm/../../x", "/etc/passwd", "a//b", "", "./a", "a/"}) {
    BOOST_TEST_CONTEXT("path '" << p << "'") {
      job().when(submit{{"src", p}, dst, "a", chunk}).then_rejected("bad_path");
      job().when(submit{src, {"dst", p}, "a", chunk}).then_rejected("bad_path");
    }
  }
}

BOOST_AUTO_TEST_CASE(copying_a_file_onto_itself_is_a_bad_path) {
  job().when(submit{src, src, "a", chunk}).then_rejected("bad_path");
}

BOOST_AUTO_TEST_CASE(the_same_path_on_another_datastore_is_fine) {
  job().when(submit{src, {"dst", src.path}, "a", chunk}).then(
      {submitted{src, {"dst", src.path}, chunk, 0}, assigned{"a", 1, 0, 0}});
}

BOOST_AUTO_TEST_CASE(chunk_sizes_outside_the_bounds_are_invalid) {
  for (std::uint64_t c : {std::uint64_t{0}, min_chunk_size - 1, max_chunk_size + 1}) {
    BOOST_TEST_CONTEXT("chunk size " << c) { job().when(submit{src, dst, "a", c}).then_rejected("invalid"); }
  }
}

BOOST_AUTO_TEST_CASE(chunk_sizes_at_the_bounds_are_accepted) {
  for (std::uint64_t c : {min_chunk_size, max_chunk_size}) {
    BOOST_TEST_CONTEXT("chunk size " << c) {
      job().when(submit{src, dst, "a", c}).then({submitted{src, dst, c, 0}, assigned{"a", 1, 0, 0}});
    }
  }
}

BOOST_AUTO_TEST_CASE(a_host_that_is_not_registered_is_unknown) {
  job().when(submit{src, dst, "zz", chunk}).then_rejected("unknown_host");
  // Known to the fleet view only as where a job ran: no datastores, not registered.
  auto f = standard_fleet();
  f.put_job("other", "ghost");
  job(f).when(submit{src, dst, "ghost", chunk}).then_rejected("unknown_host");
}

BOOST_AUTO_TEST_CASE(a_host_that_is_down_or_draining_is_unavailable) {
  job().when(submit{src, dst, "d", chunk}).then_rejected("host_unavailable");
  job().when(submit{src, dst, "e", chunk}).then_rejected("host_unavailable");
}

BOOST_AUTO_TEST_CASE(a_host_that_does_not_mount_a_datastore_cannot_reach_it) {
  job().when(submit{src, dst, "c", chunk}).then_rejected("unreachable_datastore");
}

BOOST_AUTO_TEST_CASE(submitting_an_existing_job_again_is_rejected) {
  job().given(on_a()).when(submit{src, dst, "a", chunk}).then_rejected("already_submitted");
  job().given(plus(all_copied_on_a(), {completed{job_digest(all_hashes), 0}}))
      .when(submit{src, dst, "a", chunk})
      .then_rejected("already_submitted");
}

BOOST_AUTO_TEST_SUITE_END()

// =====================================================================================
BOOST_AUTO_TEST_SUITE(copy_job_migrate)

BOOST_AUTO_TEST_CASE(migrating_to_a_given_host_requests_migration_1) {
  job().given(two_chunks_on_a()).when(migrate{"b", "rebalance"}).then(
      {migration_requested{1, "a", "b", "rebalance"}});
}

BOOST_AUTO_TEST_CASE(the_next_migration_gets_the_next_number) {
  job().given(resumed_on_b()).when(migrate{"a", "back"}).then({migration_requested{2, "b", "a", "back"}});
}

BOOST_AUTO_TEST_CASE(without_a_target_the_policy_picks_another_host_than_the_current_one) {
  auto f = standard_fleet();
  f.hosts["a"].jobs.clear();            // the current host is the idlest, yet excluded
  f.hosts["b"].jobs = {"j1", "j2"};
  f.hosts["f"] = host_entry(host_state::up, {"src", "dst"}, {"j3"});
  job(f).given(two_chunks_on_a()).when(migrate{"", "drain"}).then({migration_requested{1, "a", "f", "drain"}});
}

BOOST_AUTO_TEST_CASE(without_a_target_and_no_other_host_it_is_no_host) {
  fleet::view f;
  f.hosts["a"] = host_entry(host_state::up, {"src", "dst"});
  f.hosts["d"] = host_entry(host_state::down, {"src", "dst"});
  job(f).given(two_chunks_on_a()).when(migrate{"", "drain"}).then_rejected("no_host");
}

BOOST_AUTO_TEST_CASE(migrating_to_the_current_host_is_rejected) {
  job().given(two_chunks_on_a()).when(migrate{"a", ""}).then_rejected("same_host");
}

BOOST_AUTO_TEST_CASE(a_target_that_cannot_take_the_job_is_rejected_with_why) {
  job().given(two_chunks_on_a()).when(migrate{"zz", ""}).then_rejected("unknown_host");
  job().given(two_chunks_on_a()).when(migrate{"d", ""}).then_rejected("host_unavailable");
  job().given(two_chunks_on_a()).when(migrate{"e", ""}).then_rejected("host_unavailable");
  job().given(two_chunks_on_a()).when(migrate{"c", ""}).then_rejected("unreachable_datastore");
}

BOOST_AUTO_TEST_CASE(a_finished_job_does_not_migrate) {
  job().given(plus(all_copied_on_a(), {completed{job_digest(all_hashes), 0}}))
      .when(migrate{"b", ""})
      .then_rejected("finished");
  job().given(plus(two_chunks_on_a(), {failed{"io", "disk", 0}})).when(migrate{"b", ""}).then_rejected("finished");
}

BOOST_AUTO_TEST_CASE(a_job_already_migrating_does_not_migrate_again) {
  job().given(migrating()).when(migrate{"b", ""}).then_rejected("already_migrating");
}

BOOST_AUTO_TEST_CASE(a_job_stranded_between_hosts_is_placed_by_migrate) {
  // Its hand-over was refused (no host could take it): request 3 goes to the
  // host the operator names, within the migration in progress.
  job().given(between_hosts()).when(migrate{"b", ""}).then({assigned{"b", 2, 2 * chunk, 1}});
  job().given(between_hosts()).when(migrate{"nowhere", ""}).then_rejected("unknown_host");
}

BOOST_AUTO_TEST_CASE(an_unknown_job_does_not_migrate) {
  job().when(migrate{"b", ""}).then_rejected("unknown_job");
}

BOOST_AUTO_TEST_SUITE_END()

// =====================================================================================
BOOST_AUTO_TEST_SUITE(copy_job_request_stop)

BOOST_AUTO_TEST_CASE(a_requested_migration_stops_the_current_host_at_its_epoch) {
  job().given(migrating()).when(request_stop{1}).then({stop_requested{1, "a", 1}});
}

BOOST_AUTO_TEST_CASE(another_migration_number_is_stale) {
  job().given(migrating()).when(request_stop{2}).then_rejected("stale");
  job().given(migrating()).when(request_stop{0}).then_rejected("stale");
}

BOOST_AUTO_TEST_CASE(a_second_stop_request_is_stale) {
  job().given(stop_sent()).when(request_stop{1}).then_rejected("stale");
  job().given(between_hosts()).when(request_stop{1}).then_rejected("stale");
}

BOOST_AUTO_TEST_CASE(a_job_that_is_not_migrating_has_nothing_to_stop) {
  job().given(two_chunks_on_a()).when(request_stop{1}).then_rejected("stale");
  job().given(resumed_on_b()).when(request_stop{1}).then_rejected("stale");
  job().when(request_stop{1}).then_rejected("stale");
}

BOOST_AUTO_TEST_SUITE_END()

// =====================================================================================
BOOST_AUTO_TEST_SUITE(copy_job_report_started)

BOOST_AUTO_TEST_CASE(the_assigned_host_records_the_source_it_found) {
  job().given(on_a()).when(report_started{1, size, mtime}).then({started{size, mtime}});
}

BOOST_AUTO_TEST_CASE(a_report_with_another_epoch_is_stale) {
  job().given(on_a()).when(report_started{2, size, mtime}).then_rejected("stale");
  job().given(on_a()).when(report_started{0, size, mtime}).then_rejected("stale");
}

BOOST_AUTO_TEST_CASE(the_source_is_recorded_once) {
  job().given(started_on_a()).when(report_started{1, size + 1, mtime + 1}).then_rejected("stale");
}

BOOST_AUTO_TEST_CASE(the_next_host_records_the_source_if_the_first_never_did) {
  auto history = plus(on_a(), {migration_requested{1, "a", "b", ""}, stop_requested{1, "a", 1},
                               portion_completed{"a", 1, 0, 1}, assigned{"b", 2, 0, 1}});
  job().given(history).when(report_started{2, size, mtime}).then({started{size, mtime}});
}

BOOST_AUTO_TEST_CASE(no_report_is_taken_for_a_job_that_does_not_run) {
  job().when(report_started{1, size, mtime}).then_rejected("stale");
  job().given(plus(on_a(), {failed{"io", "x", 0}})).when(report_started{1, size, mtime}).then_rejected("stale");
}

BOOST_AUTO_TEST_SUITE_END()

// =====================================================================================
BOOST_AUTO_TEST_SUITE(copy_job_report_progress)

BOOST_AUTO_TEST_CASE(progress_extends_the_chunk_hashes) {
  job().given(two_chunks_on_a()).when(report_progress{1, 3 * chunk, {h(2)}}).then({progressed{3 * chunk, {h(2)}}});
}

BOOST_AUTO_TEST_CASE(progress_keeps_the_hosts_time_of_the_copy) {
  // Rates come from when the host copied, not from when the report was
  // decided: a backlog decided at once (a takeover) keeps its pace.
  constexpr std::int64_t at = 1'790'000'000'123'456'789;
  job().given(two_chunks_on_a()).when(report_progress{1, 3 * chunk, {h(2)}, at}).then(
      {progressed{3 * chunk, {h(2)}, at}});
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<storemesh::schema::Envelope>();
  entity::write_command(command{report_progress{1, 3 * chunk, {h(2)}, at}}, env);
  auto cmd = entity::read_command(env.asReader());
  BOOST_REQUIRE(cmd.has_value());
  BOOST_TEST(std::get<report_progress>(cmd.value()).measured_ns == at);
  entity::write_event(event{progressed{3 * chunk, {h(2)}, at}}, env);
  auto ev = entity::read_event(env.asReader());
  BOOST_REQUIRE(ev.has_value());
  BOOST_TEST(std::get<progressed>(ev.value()).measured_ns == at);
}

BOOST_AUTO_TEST_CASE(progress_within_a_chunk_carries_no_hash) {
  job().given(two_chunks_on_a()).when(report_progress{1, 2 * chunk + 10, {}}).then(
      {progressed{2 * chunk + 10, {}}});
}

BOOST_AUTO_TEST_CASE(the_last_partial_chunk_is_hashed_at_the_end_of_the_file) {
  job().given(two_chunks_on_a()).when(report_progress{1, size, {h(2), h(3)}}).then(
      {progressed{size, {h(2), h(3)}}});
}

BOOST_AUTO_TEST_CASE(a_hash_count_that_does_not_match_the_offset_is_bad_progress) {
  job().given(two_chunks_on_a()).when(report_progress{1, 3 * chunk, {}}).then_rejected("bad_progress");
  job().given(two_chunks_on_a()).when(report_progress{1, 3 * chunk, {h(2), h(3)}}).then_rejected("bad_progress");
  job().given(two_chunks_on_a()).when(report_progress{1, size, {h(2)}}).then_rejected("bad_progress");
}

BOOST_AUTO_TEST_CASE(a_report_that_repeats_recorded_chunks_is_stale) {
  // A run resumed after a restart re-reports chunks whose first report was
  // decided meanwhile.
  job().given(two_chunks_on_a()).when(report_progress{1, 2 * chunk, {h(1)}}).then_rejected("stale");
}

BOOST_AUTO_TEST_CASE(progress_beyond_the_source_size_is_bad_progress) {
  job().given(two_chunks_on_a()).when(report_progress{1, size + 1, {h(2), h(3)}}).then_rejected("bad_progress");
}

BOOST_AUTO_TEST_CASE(progress_that_does_not_advance_is_stale) {
  job().given(two_chunks_on_a()).when(report_progress{1, 2 * chunk, {}}).then_rejected("stale");
  job().given(two_chunks_on_a()).when(report_progress{1, chunk, {}}).then_rejected("stale");
}

BOOST_AUTO_TEST_CASE(progress_with_another_epoch_is_stale) {
  job().given(two_chunks_on_a()).when(report_progress{2, 3 * chunk, {h(2)}}).then_rejected("stale");
}

BOOST_AUTO_TEST_CASE(progress_from_the_host_that_handed_over_is_stale) {
  job().given(between_hosts()).when(report_progress{1, 3 * chunk, {h(2)}}).then_rejected("stale");
  job().given(resumed_on_b()).when(report_progress{1, 3 * chunk, {h(2)}}).then_rejected("stale");
}

BOOST_AUTO_TEST_CASE(the_chunk_in_flight_still_counts_while_stopping) {
  job().given(stop_sent()).when(report_progress{1, 3 * chunk, {h(2)}}).then({progressed{3 * chunk, {h(2)}}});
}

BOOST_AUTO_TEST_CASE(progress_before_the_source_is_recorded_is_not_started) {
  job().given(on_a()).when(report_progress{1, chunk, {h(0)}}).then_rejected("not_started");
}

BOOST_AUTO_TEST_CASE(the_new_host_continues_the_chain) {
  job().given(resumed_on_b()).when(report_progress{2, 3 * chunk, {h(2)}}).then({progressed{3 * chunk, {h(2)}}});
}

BOOST_AUTO_TEST_SUITE_END()

// =====================================================================================
BOOST_AUTO_TEST_SUITE(copy_job_report_stopped)

BOOST_AUTO_TEST_CASE(stopping_with_new_chunks_records_them_then_the_portion) {
  job().given(stop_sent()).when(report_stopped{1, 3 * chunk, {h(2)}}).then(
      {progressed{3 * chunk, {h(2)}}, portion_completed{"a", 1, 3 * chunk, 1}});
}

BOOST_AUTO_TEST_CASE(stopping_where_the_progress_was_records_the_portion_alone) {
  job().given(stop_sent()).when(report_stopped{1, 2 * chunk, {}}).then({portion_completed{"a", 1, 2 * chunk, 1}});
}

BOOST_AUTO_TEST_CASE(a_portion_may_end_at_the_end_of_the_file) {
  job().given(stop_sent()).when(report_stopped{1, size, {h(2), h(3)}}).then(
      {progressed{size, {h(2), h(3)}}, portion_completed{"a", 1, size, 1}});
}

BOOST_AUTO_TEST_CASE(the_portion_carries_the_migration_number) {
  auto second = plus(resumed_on_b(), {migration_requested{2, "b", "a", "back"}, stop_requested{2, "b", 2}});
  job().given(second).when(report_stopped{2, 3 * chunk, {h(2)}}).then(
      {progressed{3 * chunk, {h(2)}}, portion_completed{"b", 2, 3 * chunk, 2}});
}

BOOST_AUTO_TEST_CASE(a_portion_off_a_chunk_boundary_is_bad_progress) {
  job().given(stop_sent()).when(report_stopped{1, 2 * chunk + 10, {}}).then_rejected("bad_progress");
  job().given(stop_sent()).when(report_stopped{1, 3 * chunk + 10, {h(2)}}).then_rejected("bad_progress");
}

BOOST_AUTO_TEST_CASE(a_portion_whose_hashes_do_not_match_is_bad_progress) {
  job().given(stop_sent()).when(report_stopped{1, 3 * chunk, {}}).then_rejected("bad_progress");
  job().given(stop_sent()).when(report_stopped{1, 3 * chunk, {h(2), h(3)}}).then_rejected("bad_progress");
}

// The portion's offset is where the next host resumes and what the migration
// records; it cannot lie before the progress already recorded.
BOOST_AUTO_TEST_CASE(a_portion_behind_the_recorded_progress_ends_where_the_log_does) {
  // A restarted host read the job before its predecessor's last reports were
  // decided: what the log records is copied, and is the portion.
  job().given(stop_sent()).when(report_stopped{1, chunk, {}}).then({portion_completed{"a", 1, 2 * chunk, 1}});
  job().given(stop_sent()).when(report_stopped{1, 0, {}}).then({portion_completed{"a", 1, 2 * chunk, 1}});
}

BOOST_AUTO_TEST_CASE(a_job_stopped_before_its_source_was_recorded_stops_at_zero) {
  auto history = plus(on_a(), {migration_requested{1, "a", "b", ""}, stop_requested{1, "a", 1}});
  job().given(history).when(report_stopped{1, 0, {}}).then({portion_completed{"a", 1, 0, 1}});
  job().given(history).when(report_stopped{1, chunk, {h(0)}}).then_rejected("not_started");
}

BOOST_AUTO_TEST_CASE(a_job_stopped_after_copying_everything_stops_at_the_end) {
  auto history = plus(all_copied_on_a(), {migration_requested{1, "a", "b", ""}, stop_requested{1, "a", 1}});
  job().given(history).when(report_stopped{1, size, {}}).then({portion_completed{"a", 1, size, 1}});
}

BOOST_AUTO_TEST_CASE(stopping_without_a_stop_request_is_stale) {
  job().given(two_chunks_on_a()).when(report_stopped{1, 2 * chunk, {}}).then_rejected("stale");
  job().given(migrating()).when(report_stopped{1, 2 * chunk, {}}).then_rejected("stale");
}

BOOST_AUTO_TEST_CASE(stopping_with_another_epoch_or_twice_is_stale) {
  job().given(stop_sent()).when(report_stopped{2, 2 * chunk, {}}).then_rejected("stale");
  job().given(between_hosts()).when(report_stopped{1, 2 * chunk, {}}).then_rejected("stale");
}

BOOST_AUTO_TEST_SUITE_END()

// =====================================================================================
BOOST_AUTO_TEST_SUITE(copy_job_hand_over)

BOOST_AUTO_TEST_CASE(the_target_gets_the_next_epoch_from_the_resume_offset) {
  job().given(between_hosts()).when(hand_over{1}).then({assigned{"b", 2, 2 * chunk, 1}});
}

BOOST_AUTO_TEST_CASE(a_target_gone_down_since_is_replaced_by_policy) {
  auto f = standard_fleet();
  f.hosts["a"].status = host_state::draining;
  f.hosts["b"].status = host_state::down;
  f.hosts["f"] = host_entry(host_state::up, {"src", "dst"}, {"j1"});
  f.hosts["g"] = host_entry(host_state::up, {"src", "dst"});
  job(f).given(between_hosts()).when(hand_over{1}).then({assigned{"g", 2, 2 * chunk, 1}});
}

BOOST_AUTO_TEST_CASE(with_nobody_to_take_it_the_hand_over_is_no_host) {
  auto f = standard_fleet();
  f.hosts["a"].status = host_state::draining;
  f.hosts["b"].status = host_state::down;
  job(f).given(between_hosts()).when(hand_over{1}).then_rejected("no_host");
}

BOOST_AUTO_TEST_CASE(a_hand_over_before_the_portion_is_stale) {
  job().given(migrating()).when(hand_over{1}).then_rejected("stale");
  job().given(stop_sent()).when(hand_over{1}).then_rejected("stale");
  job().given(two_chunks_on_a()).when(hand_over{1}).then_rejected("stale");
}

BOOST_AUTO_TEST_CASE(a_hand_over_of_another_migration_or_twice_is_stale) {
  job().given(between_hosts()).when(hand_over{2}).then_rejected("stale");
  job().given(resumed_on_b()).when(hand_over{1}).then_rejected("stale");
}

// A source copied to its end before it stopped: the next host has nothing left
// to copy, and must be told to start at the end, not past it.
BOOST_AUTO_TEST_CASE(a_job_copied_to_the_end_resumes_at_the_end_not_past_it) {
  auto history = plus(all_copied_on_a(), {migration_requested{1, "a", "b", ""}, stop_requested{1, "a", 1},
                                          portion_completed{"a", 1, size, 1}});
  job().given(history).when(hand_over{1}).then({assigned{"b", 2, size, 1}});
}

BOOST_AUTO_TEST_SUITE_END()

// =====================================================================================
BOOST_AUTO_TEST_SUITE(copy_job_report_finished)

BOOST_AUTO_TEST_CASE(finishing_with_the_digest_of_the_chunk_hashes_completes) {
  job().given(all_copied_on_a()).when(report_finished{1, job_digest(all_hashes)}).then(
      {completed{job_digest(all_hashes), 0}});
}

BOOST_AUTO_TEST_CASE(finishing_while_a_migration_waits_tells_that_migration) {
  auto history = plus(all_copied_on_a(), {migration_requested{1, "a", "b", ""}});
  job().given(history).when(report_finished{1, job_digest(all_hashes)}).then({completed{job_digest(all_hashes), 1}});
  job().given(plus(history, {stop_requested{1, "a", 1}}))
      .when(report_finished{1, job_digest(all_hashes)})
      .then({completed{job_digest(all_hashes), 1}});
}

BOOST_AUTO_TEST_CASE(finishing_on_the_new_host_ends_no_migration) {
  auto history = plus(resumed_on_b(), {progressed{size, {h(2), h(3)}}});
  job().given(history).when(report_finished{2, job_digest(all_hashes)}).then({completed{job_digest(all_hashes), 0}});
}

BOOST_AUTO_TEST_CASE(an_empty_source_finishes_with_the_digest_of_no_hashes) {
  job().given(plus(on_a(), {started{0, mtime}})).when(report_finished{1, job_digest({})}).then(
      {completed{job_digest({}), 0}});
}

BOOST_AUTO_TEST_CASE(a_wrong_digest_is_a_digest_mismatch) {
  auto wrong = job_digest(all_hashes);
  wrong[0] ^= 1;
  job().given(all_copied_on_a()).when(report_finished{1, wrong}).then_rejected("digest_mismatch");
  // The digest over the hashes, not the hash of the last chunk nor of nothing.
  job().given(all_copied_on_a()).when(report_finished{1, h(3)}).then_rejected("digest_mismatch");
  job().given(all_copied_on_a()).when(report_finished{1, job_digest({})}).then_rejected("digest_mismatch");
}

BOOST_AUTO_TEST_CASE(finishing_before_every_byte_is_copied_is_not_copied) {
  job().given(two_chunks_on_a()).when(report_finished{1, job_digest({h(0), h(1)})}).then_rejected("not_copied");
  job().given(on_a()).when(report_finished{1, job_digest({})}).then_rejected("not_copied");
}

BOOST_AUTO_TEST_CASE(finishing_with_another_epoch_is_stale) {
  job().given(all_copied_on_a()).when(report_finished{2, job_digest(all_hashes)}).then_rejected("stale");
}

BOOST_AUTO_TEST_SUITE_END()

// =====================================================================================
BOOST_AUTO_TEST_SUITE(copy_job_report_failed)

BOOST_AUTO_TEST_CASE(the_host_reports_a_failure) {
  job().given(two_chunks_on_a()).when(report_failed{1, "disk_full", "no space on dst"}).then(
      {failed{"disk_full", "no space on dst", 0}});
}

BOOST_AUTO_TEST_CASE(a_failure_while_a_migration_waits_tells_that_migration) {
  job().given(stop_sent()).when(report_failed{1, "io", "read error"}).then({failed{"io", "read error", 1}});
}

BOOST_AUTO_TEST_CASE(a_failure_with_another_epoch_is_stale) {
  job().given(two_chunks_on_a()).when(report_failed{2, "io", ""}).then_rejected("stale");
  job().given(resumed_on_b()).when(report_failed{1, "io", ""}).then_rejected("stale");
}

BOOST_AUTO_TEST_CASE(a_finished_job_takes_no_more_reports) {
  auto done = plus(all_copied_on_a(), {completed{job_digest(all_hashes), 0}});
  job().given(done).when(report_failed{1, "io", ""}).then_rejected("stale");
  job().given(done).when(report_progress{1, size, {}}).then_rejected("stale");
  job().given(done).when(report_finished{1, job_digest(all_hashes)}).then_rejected("stale");
}

BOOST_AUTO_TEST_SUITE_END()

// =====================================================================================
BOOST_AUTO_TEST_SUITE(copy_job_throttle)

constexpr std::uint64_t KiB = 1024;

BOOST_AUTO_TEST_CASE(a_running_job_takes_a_new_rate) {
  job().given(two_chunks_on_a()).when(throttle{8 * KiB}).then({throttled{8 * KiB, 0, 0}});
  auto s = state_after(plus(two_chunks_on_a(), {throttled{8 * KiB, 0, 0}}));
  BOOST_TEST(s.max_rate == 8 * KiB);
}

BOOST_AUTO_TEST_CASE(zero_lifts_the_throttle) {
  auto throttled_job = plus(two_chunks_on_a(), {throttled{8 * KiB, 0, 0}});
  job().given(throttled_job).when(throttle{0}).then({throttled{0, 0, 0}});
  BOOST_TEST(state_after(plus(throttled_job, {throttled{0, 0, 0}})).max_rate == 0u);
}

BOOST_AUTO_TEST_CASE(a_rate_up_to_an_offset_then_another_holds_the_copy_there) {
  // Full speed up to the third chunk, 1 KiB/s from it on.
  job().given(two_chunks_on_a()).when(throttle{0, 3 * chunk, min_rate}).then({throttled{0, 3 * chunk, min_rate}});
  auto held = plus(two_chunks_on_a(), {throttled{0, 3 * chunk, min_rate}});
  auto s = state_after(held);
  BOOST_TEST(s.max_rate == 0u);
  BOOST_TEST(s.rate_until == 3 * chunk);
  BOOST_TEST(s.rate_then == min_rate);
  // Progress short of the offset leaves the change pending ...
  s = state_after(plus(held, {progressed{3 * chunk - 1, {}}}));
  BOOST_TEST(s.max_rate == 0u);
  BOOST_TEST(s.rate_until == 3 * chunk);
  // ... reaching it puts the second rate in force.
  s = state_after(plus(held, {progressed{3 * chunk, {h(2)}}}));
  BOOST_TEST(s.max_rate == min_rate);
  BOOST_TEST(s.rate_until == 0u);
  BOOST_TEST(s.rate_then == 0u);
}

BOOST_AUTO_TEST_CASE(a_portion_past_the_offset_also_puts_the_second_rate_in_force) {
  auto history = plus(migrating(), {throttled{0, 3 * chunk, min_rate}, stop_requested{1, "a", 1},
                                    progressed{3 * chunk, {h(2)}}, portion_completed{"a", 1, 3 * chunk, 1}});
  BOOST_TEST(state_after(history).max_rate == min_rate);
}

BOOST_AUTO_TEST_CASE(the_throttle_survives_migration) {
  // Changed while the job was between hosts: the next host gets it with the job.
  job().given(between_hosts()).when(throttle{64 * KiB}).then({throttled{64 * KiB, 0, 0}});
  auto s = state_after(plus(between_hosts(), {throttled{64 * KiB, 0, 0}, assigned{"b", 2, 2 * chunk, 1}}));
  BOOST_TEST(s.host == "b");
  BOOST_TEST(s.max_rate == 64 * KiB);
  // And a job moving (stop requested) takes one too.
  job().given(stop_sent()).when(throttle{64 * KiB}).then({throttled{64 * KiB, 0, 0}});
}

BOOST_AUTO_TEST_CASE(a_plain_rate_replaces_a_pending_change) {
  auto held = plus(two_chunks_on_a(), {throttled{0, 3 * chunk, min_rate}});
  job().given(held).when(throttle{8 * KiB}).then({throttled{8 * KiB, 0, 0}});
  auto s = state_after(plus(held, {throttled{8 * KiB, 0, 0}}));
  BOOST_TEST(s.rate_until == 0u);
  BOOST_TEST(s.max_rate == 8 * KiB);
}

BOOST_AUTO_TEST_CASE(the_same_throttle_again_is_no_change) {
  auto throttled_job = plus(two_chunks_on_a(), {throttled{8 * KiB, 0, 0}});
  job().given(throttled_job).when(throttle{8 * KiB}).then_rejected("no_change");
  job().given(two_chunks_on_a()).when(throttle{0}).then_rejected("no_change");  // submitted unthrottled
}

BOOST_AUTO_TEST_CASE(rates_outside_the_bounds_are_invalid) {
  for (std::uint64_t r : {std::uint64_t{1}, min_rate - 1, max_rate_limit + 1}) {
    BOOST_TEST_CONTEXT("rate " << r) {
      job().given(two_chunks_on_a()).when(throttle{r}).then_rejected("invalid");
      job().given(two_chunks_on_a()).when(throttle{0, 3 * chunk, r}).then_rejected("invalid");
      job().when(submit{src, dst, "a", chunk, r}).then_rejected("invalid");
    }
  }
  for (std::uint64_t r : {min_rate, max_rate_limit}) {
    BOOST_TEST_CONTEXT("rate " << r) {
      job().given(two_chunks_on_a()).when(throttle{r}).then({throttled{r, 0, 0}});
      job().when(submit{src, dst, "a", chunk, r}).then({submitted{src, dst, chunk, r}, assigned{"a", 1, 0, 0}});
    }
  }
}

BOOST_AUTO_TEST_CASE(a_second_rate_without_its_offset_or_past_the_end_is_invalid) {
  job().given(two_chunks_on_a()).when(throttle{0, 0, min_rate}).then_rejected("invalid");
  job().given(two_chunks_on_a()).when(throttle{0, size, min_rate}).then_rejected("invalid");
  job().given(two_chunks_on_a()).when(throttle{0, size + 1, min_rate}).then_rejected("invalid");
  // Before the source is recorded its size is unknown: any offset goes.
  job().given(on_a()).when(throttle{0, size + 1, min_rate}).then({throttled{0, size + 1, min_rate}});
}

BOOST_AUTO_TEST_CASE(an_offset_the_copy_has_passed_is_stale) {
  job().given(two_chunks_on_a()).when(throttle{0, 2 * chunk, min_rate}).then_rejected("stale");
  job().given(two_chunks_on_a()).when(throttle{0, chunk, min_rate}).then_rejected("stale");
  job().given(two_chunks_on_a()).when(throttle{0, 2 * chunk + 1, min_rate}).then({throttled{0, 2 * chunk + 1, min_rate}});
}

BOOST_AUTO_TEST_CASE(a_finished_or_unknown_job_is_not_throttled) {
  job().given(plus(all_copied_on_a(), {completed{job_digest(all_hashes), 0}}))
      .when(throttle{8 * KiB})
      .then_rejected("finished");
  job().given(plus(two_chunks_on_a(), {failed{"io", "disk", 0}})).when(throttle{8 * KiB}).then_rejected("finished");
  job().when(throttle{8 * KiB}).then_rejected("unknown_job");
}

BOOST_AUTO_TEST_CASE(a_finalizing_job_has_nothing_left_to_throttle) {
  job().given(plus(all_copied_on_a(), {finalizing{"a", 1, 5}})).when(throttle{8 * KiB}).then_rejected("finalizing");
}

BOOST_AUTO_TEST_CASE(the_throttle_reads_back_from_its_envelope) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<storemesh::schema::Envelope>();
  entity::write_command(command{throttle{5 * KiB, 7 * chunk, min_rate}}, env);
  auto cmd = entity::read_command(env.asReader());
  BOOST_REQUIRE(cmd.has_value());
  const auto& t = std::get<throttle>(cmd.value());
  BOOST_TEST(t.max_rate == 5 * KiB);
  BOOST_TEST(t.until == 7 * chunk);
  BOOST_TEST(t.then == min_rate);
  entity::write_event(event{throttled{5 * KiB, 7 * chunk, min_rate}}, env);
  auto ev = entity::read_event(env.asReader());
  BOOST_REQUIRE(ev.has_value());
  BOOST_CHECK(std::get<throttled>(ev.value()) == (throttled{5 * KiB, 7 * chunk, min_rate}));
  // And in a snapshot, with a change pending.
  auto s = state_after(plus(two_chunks_on_a(), {throttled{5 * KiB, 3 * chunk, min_rate}}));
  auto back = entity::read_state(entity::write_state(s));
  BOOST_REQUIRE(back.has_value());
  BOOST_CHECK(back.value() == s);
}

BOOST_AUTO_TEST_SUITE_END()

// =====================================================================================
BOOST_AUTO_TEST_SUITE(copy_job_finalizing)

constexpr std::int64_t t_verify = 1'790'000'000'000'000'000;

BOOST_AUTO_TEST_CASE(every_byte_recorded_the_host_reports_its_finalize) {
  job().given(all_copied_on_a()).when(report_finalizing{1, t_verify}).then({finalizing{"a", 1, t_verify}});
  auto s = state_after(plus(all_copied_on_a(), {finalizing{"a", 1, t_verify}}));
  BOOST_CHECK(s.status == job_status::finalizing);
  BOOST_TEST(to_string(s.status) == "finalizing");
  BOOST_TEST(s.host == "a");
  BOOST_TEST(!s.finished());
}

BOOST_AUTO_TEST_CASE(the_finalize_is_recorded_once) {
  job().given(plus(all_copied_on_a(), {finalizing{"a", 1, t_verify}}))
      .when(report_finalizing{1, t_verify + 1})
      .then_rejected("stale");
}

BOOST_AUTO_TEST_CASE(a_finalize_before_every_byte_is_recorded_is_not_copied) {
  job().given(two_chunks_on_a()).when(report_finalizing{1, t_verify}).then_rejected("not_copied");
  job().given(on_a()).when(report_finalizing{1, t_verify}).then_rejected("not_copied");
}

BOOST_AUTO_TEST_CASE(a_finalize_from_another_epoch_is_stale) {
  job().given(all_copied_on_a()).when(report_finalizing{2, t_verify}).then_rejected("stale");
  auto b_done = plus(resumed_on_b(), {progressed{size, {h(2), h(3)}}});
  job().given(b_done).when(report_finalizing{1, t_verify}).then_rejected("stale");  // a handed over
  job().given(b_done).when(report_finalizing{2, t_verify}).then({finalizing{"b", 2, t_verify}});
  job().given(plus(all_copied_on_a(), {completed{job_digest(all_hashes), 0}}))
      .when(report_finalizing{1, t_verify})
      .then_rejected("stale");
}

BOOST_AUTO_TEST_CASE(a_migration_requested_while_finalizing_is_refused_with_the_reason) {
  auto verifying = plus(all_copied_on_a(), {finalizing{"a", 1, t_verify}});
  job().given(verifying).when(migrate{"b", ""}).then_rejected("finalizing");
  job().given(verifying).when(migrate{"", "drain"}).then_rejected("finalizing");
  auto d = decide(state_after(verifying), migrate{"b", ""}, standard_fleet());
  BOOST_REQUIRE(!d.accepted());
  BOOST_TEST(d.why().reason.find("verifying") != std::string::npos, d.why().reason);
}

BOOST_AUTO_TEST_CASE(finished_and_failed_follow_the_finalize) {
  auto verifying = plus(all_copied_on_a(), {finalizing{"a", 1, t_verify}});
  job().given(verifying).when(report_finished{1, job_digest(all_hashes)}).then({completed{job_digest(all_hashes), 0}});
  job().given(verifying).when(report_failed{1, "verification_failed", "chunk 2 differs"}).then(
      {failed{"verification_failed", "chunk 2 differs", 0}});
  // Nothing more is copied: progress and a stop are stale.
  job().given(verifying).when(report_progress{1, size, {}}).then_rejected("stale");
  job().given(verifying).when(report_stopped{1, size, {}}).then_rejected("stale");
}

BOOST_AUTO_TEST_CASE(a_stop_that_came_too_late_leaves_the_finalize_to_end_the_migration) {
  // Migration 1 was requested (and the stop sent) as a copied its last chunk:
  // a finalizes anyway, and the end tells migration 1.
  auto late = plus(all_copied_on_a(), {migration_requested{1, "a", "b", ""}, stop_requested{1, "a", 1}});
  job().given(late).when(report_finalizing{1, t_verify}).then({finalizing{"a", 1, t_verify}});
  auto verifying = plus(late, {finalizing{"a", 1, t_verify}});
  job().given(verifying).when(request_stop{1}).then_rejected("stale");
  job().given(verifying).when(hand_over{1}).then_rejected("stale");
  job().given(verifying).when(report_finished{1, job_digest(all_hashes)}).then({completed{job_digest(all_hashes), 1}});
  job().given(verifying).when(report_failed{1, "io_error", "x"}).then({failed{"io_error", "x", 1}});
  // Before its stop was sent, too.
  auto requested = plus(all_copied_on_a(), {migration_requested{1, "a", "b", ""}, finalizing{"a", 1, t_verify}});
  job().given(requested).when(report_finished{1, job_digest(all_hashes)}).then({completed{job_digest(all_hashes), 1}});
}

BOOST_AUTO_TEST_CASE(a_finalizing_job_stays_on_its_host_and_cannot_be_moved) {
  auto f = standard_fleet();
  entity::publish(f, "j", state_after(plus(all_copied_on_a(), {finalizing{"a", 1, t_verify}})));
  BOOST_CHECK(f.hosts["a"].jobs.count("j") == 1);
  BOOST_REQUIRE(f.job_details.count("j") == 1);
  BOOST_TEST(f.job_details["j"].migrating);  // the rebalancer leaves it be
}

BOOST_AUTO_TEST_CASE(the_finalize_reads_back_from_its_envelope_and_snapshot) {
  capnp::MallocMessageBuilder m;
  auto env = m.initRoot<storemesh::schema::Envelope>();
  entity::write_command(command{report_finalizing{3, t_verify}}, env);
  auto cmd = entity::read_command(env.asReader());
  BOOST_REQUIRE(cmd.has_value());
  BOOST_TEST(std::get<report_finalizing>(cmd.value()).epoch == 3u);
  BOOST_TEST(std::get<report_finalizing>(cmd.value()).started_ns == t_verify);
  entity::write_event(event{finalizing{"b", 3, t_verify}}, env);
  auto ev = entity::read_event(env.asReader());
  BOOST_REQUIRE(ev.has_value());
  BOOST_CHECK(std::get<finalizing>(ev.value()) == (finalizing{"b", 3, t_verify}));
  auto s = state_after(plus(all_copied_on_a(), {finalizing{"a", 1, t_verify}}));
  auto back = entity::read_state(entity::write_state(s));
  BOOST_REQUIRE(back.has_value());
  BOOST_CHECK(back.value() == s);
}

BOOST_AUTO_TEST_SUITE_END()

// =====================================================================================
BOOST_AUTO_TEST_SUITE(copy_job_evolve)

BOOST_AUTO_TEST_CASE(the_resume_offset_counts_whole_hashed_chunks_only) {
  BOOST_TEST(state_after(on_a()).resume_offset() == 0u);
  BOOST_TEST(state_after(two_chunks_on_a()).resume_offset() == 2 * chunk);
  auto s = state_after(plus(two_chunks_on_a(), {progressed{2 * chunk + 10, {}}}));
  BOOST_TEST(s.offset == 2 * chunk + 10);
  BOOST_TEST(s.resume_offset() == 2 * chunk);
}

BOOST_AUTO_TEST_CASE(every_assignment_is_a_hop_in_the_history) {
  auto s = state_after(resumed_on_b());
  const std::vector<hop> expected{{"a", 1, 0}, {"b", 2, 2 * chunk}};
  BOOST_CHECK(s.hops == expected);
  BOOST_TEST(s.host == "b");
  BOOST_TEST(s.epoch == 2u);
  BOOST_TEST(s.migrations == 1u);
  BOOST_CHECK(s.status == job_status::running);
  BOOST_TEST(!s.stop_sent);
  BOOST_TEST(!s.portion_done);
  BOOST_TEST(s.migrate_to.empty());
  BOOST_CHECK(s.hashes == (std::vector<chunk_hash>{h(0), h(1)}));
}

BOOST_AUTO_TEST_CASE(between_hosts_the_job_has_no_host) {
  auto s = state_after(between_hosts());
  BOOST_CHECK(s.status == job_status::stopping);
  BOOST_TEST(s.host.empty());
  BOOST_TEST(s.portion_done);
  BOOST_TEST(s.migrate_to == "b");
  BOOST_TEST(s.epoch == 1u);
}

BOOST_AUTO_TEST_CASE(the_end_is_recorded_with_its_digest_or_its_failure) {
  auto done = state_after(plus(all_copied_on_a(), {completed{job_digest(all_hashes), 0}}));
  BOOST_CHECK(done.status == job_status::completed);
  BOOST_CHECK(done.digest == job_digest(all_hashes));
  BOOST_TEST(done.finished());
  auto bad = state_after(plus(on_a(), {failed{"io", "disk", 0}}));
  BOOST_CHECK(bad.status == job_status::failed);
  BOOST_TEST(bad.failure_code == "io");
  BOOST_TEST(bad.failure_reason == "disk");
  BOOST_TEST(bad.finished());
}

BOOST_AUTO_TEST_CASE(the_fleet_view_follows_where_the_job_runs) {
  auto f = standard_fleet();
  auto jobs_on = [&](const std::string& host) { return f.hosts[host].jobs; };
  const std::set<std::string> just_j{"j"}, none;

  entity::publish(f, "j", state_after(two_chunks_on_a()));
  BOOST_CHECK(jobs_on("a") == just_j);
  BOOST_CHECK(jobs_on("b") == none);

  entity::publish(f, "j", state_after(stop_sent()));  // still on a while it stops
  BOOST_CHECK(jobs_on("a") == just_j);

  entity::publish(f, "j", state_after(between_hosts()));  // nowhere between hosts
  BOOST_CHECK(jobs_on("a") == none);
  BOOST_CHECK(jobs_on("b") == none);

  entity::publish(f, "j", state_after(resumed_on_b()));
  BOOST_CHECK(jobs_on("a") == none);
  BOOST_CHECK(jobs_on("b") == just_j);

  entity::publish(f, "j", state_after(plus(resumed_on_b(), {progressed{size, {h(2), h(3)}},
                                                            completed{job_digest(all_hashes), 0}})));
  BOOST_CHECK(jobs_on("b") == none);

  entity::publish(f, "k", state_after(on_a()));
  entity::publish(f, "k", state_after(plus(on_a(), {failed{"io", "", 0}})));
  BOOST_CHECK(jobs_on("a") == none);
}

BOOST_AUTO_TEST_CASE(chunk_count_rounds_up) {
  BOOST_TEST(chunk_count(0, chunk) == 0u);
  BOOST_TEST(chunk_count(1, chunk) == 1u);
  BOOST_TEST(chunk_count(chunk, chunk) == 1u);
  BOOST_TEST(chunk_count(chunk + 1, chunk) == 2u);
  BOOST_TEST(chunk_count(size, chunk) == 4u);
}

BOOST_AUTO_TEST_CASE(the_job_digest_is_sha256_over_the_concatenated_chunk_hashes) {
  std::vector<std::uint8_t> concatenated(all_hashes.size() * 32);
  for (std::size_t i = 0; i < all_hashes.size(); ++i)
    std::memcpy(concatenated.data() + 32 * i, all_hashes[i].data(), 32);
  BOOST_CHECK(digest_of(all_hashes) == storemesh::services::migration::sha256(concatenated.data(), concatenated.size()));
  BOOST_CHECK(digest_of(all_hashes) == job_digest(all_hashes));
}

BOOST_AUTO_TEST_SUITE_END()

// =====================================================================================
// The whole protocol on one job, command by command, with the fleet view
// following the job as the runtime's publish() keeps it.
namespace {

/// A job driven as the runtime drives it: decide, apply, publish.
struct driven_job {
  fleet_view fleet = standard_fleet();
  state s{};

  decision<event> send(const command& c) {
    auto d = decide(s, c, fleet);
    for (const auto& e : d.events)
      s = evolve(std::move(s), e);
    entity::publish(fleet, "j", s);
    return d;
  }
  void accept(const command& c, const std::vector<event>& expected) {
    auto d = send(c);
    BOOST_REQUIRE_MESSAGE(d.accepted(), "rejected: " << (d.accepted() ? "" : d.why().code + ": " + d.why().reason));
    BOOST_CHECK_MESSAGE(d.events == expected, "unexpected events");
  }
  void refuse(const command& c, const std::string& code) {
    auto d = send(c);
    BOOST_REQUIRE(!d.accepted());
    BOOST_CHECK_EQUAL(d.why().code, code);
  }
};

/// Chunk hashes of a real file of SIZE bytes.
std::vector<chunk_hash> file_chunk_hashes() {
  std::vector<std::uint8_t> file(size);
  for (std::size_t i = 0; i < file.size(); ++i)
    file[i] = static_cast<std::uint8_t>(i * 131 + 7);
  std::vector<chunk_hash> out;
  for (std::uint64_t at = 0; at < size; at += chunk)
    out.push_back(storemesh::services::migration::sha256(file.data() + at, std::min(chunk, size - at)));
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(copy_job_protocol)

BOOST_AUTO_TEST_CASE(a_job_moved_mid_copy_records_the_same_chunks_as_one_that_was_not) {
  const auto hs = file_chunk_hashes();
  BOOST_REQUIRE_EQUAL(hs.size(), 4u);

  // One host, start to end.
  driven_job alone;
  alone.accept(submit{src, dst, "", chunk}, {submitted{src, dst, chunk, 0}, assigned{"a", 1, 0, 0}});
  alone.accept(report_started{1, size, mtime}, {started{size, mtime}});
  alone.accept(report_progress{1, chunk, {hs[0]}}, {progressed{chunk, {hs[0]}}});
  alone.accept(report_progress{1, 2 * chunk, {hs[1]}}, {progressed{2 * chunk, {hs[1]}}});
  alone.accept(report_progress{1, size, {hs[2], hs[3]}}, {progressed{size, {hs[2], hs[3]}}});
  alone.accept(report_finished{1, job_digest(hs)}, {completed{job_digest(hs), 0}});

  // Moved from a to b after three reports.
  driven_job moved;
  moved.accept(submit{src, dst, "", chunk}, {submitted{src, dst, chunk, 0}, assigned{"a", 1, 0, 0}});
  BOOST_CHECK(moved.fleet.hosts["a"].jobs.count("j") == 1);
  moved.accept(report_started{1, size, mtime}, {started{size, mtime}});
  moved.accept(report_progress{1, chunk, {hs[0]}}, {progressed{chunk, {hs[0]}}});
  moved.accept(report_progress{1, chunk + 100, {}}, {progressed{chunk + 100, {}}});
  moved.accept(report_progress{1, 2 * chunk, {hs[1]}}, {progressed{2 * chunk, {hs[1]}}});
  moved.accept(migrate{"", "rebalance"}, {migration_requested{1, "a", "b", "rebalance"}});
  moved.accept(request_stop{1}, {stop_requested{1, "a", 1}});
  // a finishes the chunk in flight, then stops.
  moved.accept(report_stopped{1, 3 * chunk, {hs[2]}},
               {progressed{3 * chunk, {hs[2]}}, portion_completed{"a", 1, 3 * chunk, 1}});
  BOOST_CHECK(moved.fleet.hosts["a"].jobs.empty());
  moved.accept(hand_over{1}, {assigned{"b", 2, 3 * chunk, 1}});
  BOOST_CHECK(moved.fleet.hosts["b"].jobs.count("j") == 1);
  // a's late reports, still at epoch 1, are fenced off.
  moved.refuse(report_progress{1, size, {hs[3]}}, "stale");
  moved.refuse(report_stopped{1, size, {hs[3]}}, "stale");
  moved.refuse(report_finished{1, job_digest(hs)}, "stale");
  moved.refuse(report_failed{1, "io", "late"}, "stale");
  // b copies the rest, verifies it (no migration from here on) and completes.
  moved.accept(report_progress{2, size, {hs[3]}}, {progressed{size, {hs[3]}}});
  moved.accept(report_finalizing{2, 42}, {finalizing{"b", 2, 42}});
  BOOST_CHECK(moved.fleet.hosts["b"].jobs.count("j") == 1);
  moved.refuse(migrate{"a", "too late"}, "finalizing");
  moved.refuse(report_finalizing{1, 43}, "stale");
  moved.accept(report_finished{2, job_digest(hs)}, {completed{job_digest(hs), 0}});

  BOOST_CHECK(moved.s.status == job_status::completed);
  BOOST_CHECK(moved.s.hashes == hs);
  BOOST_CHECK(moved.s.hashes == alone.s.hashes);
  BOOST_CHECK(moved.s.digest == alone.s.digest);
  BOOST_CHECK(moved.s.hops == (std::vector<hop>{{"a", 1, 0}, {"b", 2, 3 * chunk}}));
  BOOST_CHECK(moved.fleet.hosts["a"].jobs.empty());
  BOOST_CHECK(moved.fleet.hosts["b"].jobs.empty());
}

BOOST_AUTO_TEST_SUITE_END()
