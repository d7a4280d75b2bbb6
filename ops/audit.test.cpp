// The audit of a live log (issue 10). It reads the commands topic, then the
// events topics; a daemon deciding meanwhile appends a command and its event
// in between, so the audit meets an event whose cause is newer than the
// commands it read. These tests put exactly that in between (a hooked_log runs
// the step just before the audit's first read of an events topic) on a real
// FileLog, with records built and sealed by the runtime's own code.

#include "ops/audit.hpp"

#include "actors/daemon.hpp"
#include "actors/log_writer.hpp"
#include "actors/records.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/file_log/file_log.hpp"
#include "events/replay/test_log.hpp"
#include "services/host/host_codec.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <future>
#include <map>

namespace storemesh::ops {
namespace {

namespace host = services::host;
using command_id = std::array<std::uint8_t, 16>;
using events::replay::testing::hooked_log;

host::command register_cmd() { return host::register_host{{host::datastore{"ds1", "/mnt/ds1"}}}; }
host::command drain_cmd() { return host::set_state{host::host_state::draining, "test"}; }

/// Writes a log as the operators and a daemon do: signed commands in the
/// commands topic; each decided by the host decider, its events hash-linked
/// per host and appended, sealed, by the daemon's log_writer.
class scribe {
public:
  explicit scribe(events::event_log& log)
      : log_(log), writer_(log, names, events::crypto::key_pair::generate(), "daemon@audit-test") {
    BOOST_REQUIRE(actors::create_topics(log, names, partitions).has_value());
  }

  /// Appends a command for host `id`, signed by `signer`; returns its id.
  command_id command(const std::string& id, const host::command& c, const events::crypto::key_pair& signer) {
    actors::command_header h;
    h.id = events::envelope::new_message_id();
    h.producer = "cli@audit-test";
    auto record = actors::make_command_record(host::entity::kind, id, h, signer,
                                              [&](schema::Envelope::Builder e) { host::entity::write_command(c, e); });
    BOOST_REQUIRE(record.has_value());
    const auto p = events::partition_for(id, partitions);
    BOOST_REQUIRE(log_.append(names.commands(), p, {std::move(record).value()}).has_value());
    return h.id;
  }

  /// The daemon's part: decides `c` for host `id` and appends its events, in
  /// answer to the command `cause`.
  void decide(const std::string& id, const host::command& c, const command_id& cause) {
    auto& [state, seq, last] = hosts_[id];
    const auto d = host::decide(state, c);
    BOOST_REQUIRE(d.accepted());
    actors::append_part part{names.events(host::entity::kind), events::partition_for(id, partitions), {}};
    for (const auto& e : d.events) {
      part.records.push_back(actors::make_event_record(
          host::entity::kind, id, ++seq, last, actors::cause{cause, {}, -1}, "daemon@audit-test",
          [&](schema::Envelope::Builder b) { host::entity::write_event(e, b); }));
      last = events::crypto::record_hash(part.records.back().value);
      state = host::evolve(std::move(state), e);
    }
    std::promise<bool> written;
    writer_.submit({std::move(part)}, [&](result<std::vector<offset>> r) { written.set_value(r.has_value()); });
    BOOST_REQUIRE(written.get_future().get());
  }

  /// An operator's command and the daemon's decision of it.
  void run(const std::string& id, const host::command& c) { decide(id, c, command(id, c, operator_key)); }

  static constexpr std::int32_t partitions = 2;
  actors::topics names;
  events::crypto::key_pair operator_key = events::crypto::key_pair::generate();
  /// The daemon's sealing key, which signs its own commands too.
  [[nodiscard]] const events::crypto::key_pair& daemon_key() const { return writer_.sealing_key(); }

private:
  struct host_log {
    host::state state;
    std::uint64_t seq = 0;
    events::crypto::digest last = events::crypto::zero_digest;
  };
  events::event_log& log_;
  std::map<std::string, host_log> hosts_;
  actors::log_writer writer_;
};

struct fixture {
  testing::temp_dir dir;
  std::unique_ptr<events::event_log> log = open(false);
  scribe s{*log};

  std::unique_ptr<events::event_log> open(bool read_only) {
    events::file_log_options o;
    o.root = dir / "log";
    o.sync = events::fsync_policy::never;
    o.read_only = read_only;
    auto opened = events::file_log::open(o);
    BOOST_REQUIRE(opened.has_value());
    return std::move(opened).value();
  }

  audit_options options() {
    audit_options o;
    o.names = s.names;
    o.command_keys.add(s.operator_key.public_key());
    o.command_keys.add(s.daemon_key().public_key());
    o.daemon_keys.add(s.daemon_key().public_key());
    return o;
  }

  /// The audit of a read-only open of the log (as `storemesh audit` opens
  /// it), with `between` run once between its reading of the commands and
  /// of the events.
  audit_report audit(const std::function<void()>& between = [] {}, const audit_options* with = nullptr) {
    auto read_only = open(true);
    const auto events_prefix = s.names.events("");
    hooked_log hooked(
        *read_only, [&](std::string_view topic) { return topic.substr(0, events_prefix.size()) == events_prefix; },
        between);
    const auto o = with ? *with : options();
    auto report = run_audit(hooked, o);
    BOOST_TEST(hooked.stepped());
    return report;
  }
};

std::string describe(const audit_report& r) {
  std::string s;
  for (const auto& v : r.violations)
    s += v + "\n";
  return s;
}

BOOST_FIXTURE_TEST_SUITE(audit_of_a_live_log, fixture)

BOOST_AUTO_TEST_CASE(a_command_decided_between_the_reads_of_commands_and_events_is_found) {
  s.run("h1", register_cmd());
  // The step a live daemon takes: a command, and the event that answers it.
  const auto report = audit([&] { s.run("h1", drain_cmd()); });
  BOOST_TEST(report.ok(), describe(report));
  BOOST_TEST(report.events == 2u);
  // The commands read again, from where the first read stopped.
  BOOST_TEST(report.commands == 2u);
  BOOST_TEST(report.commands_signed_ok == 2u);
  BOOST_TEST(report.entities.at("host") == 1u);
}

BOOST_AUTO_TEST_CASE(an_event_appended_between_the_reads_whose_cause_is_nowhere_is_a_violation) {
  s.run("h1", register_cmd());
  const auto report = audit([&] { s.decide("h1", drain_cmd(), events::envelope::new_message_id()); });
  BOOST_TEST_REQUIRE(report.violations.size() == 1u, describe(report));
  BOOST_TEST(report.violations[0].find("caused by a command that is not in the log") != std::string::npos);
  BOOST_TEST(report.violations[0].find("(host/h1 seq 2)") != std::string::npos, report.violations[0]);
}

BOOST_AUTO_TEST_CASE(an_event_whose_cause_is_nowhere_is_a_violation) {
  s.run("h1", register_cmd());
  s.decide("h1", drain_cmd(), events::envelope::new_message_id());
  const auto report = audit();
  BOOST_TEST_REQUIRE(report.violations.size() == 1u, describe(report));
  BOOST_TEST(report.violations[0].find("(host/h1 seq 2): caused by a command that is not in the log") !=
             std::string::npos, report.violations[0]);
}

BOOST_AUTO_TEST_CASE(an_event_appended_between_the_reads_caused_by_an_untrusted_command_is_a_violation) {
  s.run("h1", register_cmd());
  const auto stranger = events::crypto::key_pair::generate();
  const auto report = audit([&] { s.decide("h1", drain_cmd(), s.command("h1", drain_cmd(), stranger)); });
  BOOST_TEST_REQUIRE(report.violations.size() == 1u, describe(report));
  BOOST_TEST(report.violations[0].find("(host/h1 seq 2): caused by a command without a valid trusted signature") !=
             std::string::npos, report.violations[0]);
  BOOST_TEST(report.commands_refused_signature == 1u);
}

BOOST_AUTO_TEST_CASE(a_valid_copy_appended_between_the_reads_vouches_for_its_event) {
  // A forged copy of a command's id was read first; the valid one, and the
  // event answering it, came after: the event is validly caused.
  s.run("h1", register_cmd());
  const auto stranger = events::crypto::key_pair::generate();
  const auto forged = s.command("h1", drain_cmd(), stranger);
  const auto report = audit([&] {
    // The same id, signed by the operator (make_command_record takes the id
    // from its header: rebuild it with the forged one's).
    actors::command_header h;
    h.id = forged;
    h.producer = "cli@audit-test";
    const auto fill = [&](schema::Envelope::Builder e) { host::entity::write_command(drain_cmd(), e); };
    auto record = actors::make_command_record(host::entity::kind, "h1", h, s.operator_key, fill);
    BOOST_REQUIRE(record.has_value());
    BOOST_REQUIRE(log->append(s.names.commands(), events::partition_for("h1", scribe::partitions),
                              {std::move(record).value()}).has_value());
    s.decide("h1", drain_cmd(), forged);
  });
  BOOST_TEST(report.ok(), describe(report));
  BOOST_TEST(report.commands == 3u);
  BOOST_TEST(report.commands_refused_signature == 1u);
}

BOOST_AUTO_TEST_CASE(until_replays_below_it_checks_the_seal_beyond_it_and_finds_causes_past_it) {
  // h1's commands partition: three commands never decided (offsets 0..2),
  // then the registration (3) and the drain (4). Its events partition: the
  // registration (0) and its seal (1), the drain (2) and its seal (3).
  for (int i = 0; i < 3; ++i)
    (void)s.command("h1", drain_cmd(), s.operator_key);
  s.run("h1", register_cmd());
  s.run("h1", drain_cmd());
  auto o = options();
  o.until = offset{1};
  const auto report = audit([] {}, &o);
  // The registration is replayed: its seal (at 1) and its cause (at 3) lie
  // past --until, and are found all the same.
  BOOST_TEST(report.ok(), describe(report));
  BOOST_TEST(report.events == 1u);
  BOOST_TEST(report.seals == 1u);
  BOOST_TEST(report.commands == 1u);  // counted below --until only
  BOOST_TEST(report.entities.at("host") == 1u);
}

BOOST_AUTO_TEST_CASE(the_whole_log_audits_clean_and_counts_everything) {
  s.run("h1", register_cmd());
  s.run("h2", register_cmd());
  s.run("h1", drain_cmd());
  const auto report = audit();
  BOOST_TEST(report.ok(), describe(report));
  BOOST_TEST(report.commands == 3u);
  BOOST_TEST(report.events == 3u);
  BOOST_TEST(report.seals == 3u);
  BOOST_TEST(report.records == 9u);
  BOOST_TEST(report.entities.at("host") == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace
} // namespace storemesh::ops
