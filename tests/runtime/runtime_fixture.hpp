#pragma once
// The runtime in one process, on a real FileLog in a temp dir: a daemon the
// test starts and stops, an operator who signs commands as the CLI does, and
// readers that say what the log holds (outcomes per command, host histories,
// the audit). Used by the tests in tests/runtime/ only.
//
//   <temp>/log     the FileLog (opened twice: the daemon's handle and the
//                  operator's, as two processes would)
//   <temp>/state   the daemon's state dir: sealing key, intake offsets

#include "actors/daemon.hpp"
#include "actors/entity_fold.hpp"
#include "events/crypto/keys.hpp"
#include "events/file_log/file_log.hpp"
#include "ops/audit.hpp"
#include "ops/command_client.hpp"
#include "services/host/host_codec.hpp"
#include "tests/support/temp_dir.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::testing::runtime {

namespace host = services::host;
using namespace std::chrono_literals;

/// Where a command landed in the commands topic: what identifies it in the
/// outcomes (events carry its offset, rejections its partition and offset).
struct command_position {
  partition_id partition;
  offset at;
  friend bool operator<(const command_position& a, const command_position& b) {
    return a.partition != b.partition ? a.partition < b.partition : a.at < b.at;
  }
  friend bool operator==(const command_position& a, const command_position& b) {
    return a.partition == b.partition && a.at == b.at;
  }
  friend std::ostream& operator<<(std::ostream& os, const command_position& p) {
    return os << "commands/" << p.partition.value << "@" << p.at.value;
  }
};

/// What the log holds about one command.
struct logged_outcome {
  std::size_t events = 0;               ///< events it caused
  std::vector<std::string> rejections;  ///< codes of its rejection records (two = a doubled rejection)
  [[nodiscard]] bool decided() const { return events > 0 || !rejections.empty(); }
};

/// One host's events as stored, in log order.
struct host_history {
  std::vector<host::event> events;
  std::vector<std::uint64_t> sequences;
  std::vector<std::string> causes;  ///< causation ids (command ids)
};

/// A pure model of the host module: decide/evolve folded per host, nothing else.
class host_model {
public:
  services::decision<host::event> apply(const std::string& id, const host::command& c);
  [[nodiscard]] const std::map<std::string, host::state>& states() const { return states_; }
  [[nodiscard]] const std::map<std::string, std::vector<host::event>>& events() const { return events_; }

private:
  std::map<std::string, host::state> states_;
  std::map<std::string, std::vector<host::event>> events_;
};

/// Commands, as small values.
host::command register_cmd(std::vector<host::datastore> datastores);
host::command register_cmd(std::string_view name = "ds1", std::string_view path = "/mnt/ds1");
host::command set_state_cmd(host::host_state to, std::string reason = "test");

class runtime_fixture {
public:
  runtime_fixture();
  ~runtime_fixture();
  runtime_fixture(const runtime_fixture&) = delete;
  runtime_fixture& operator=(const runtime_fixture&) = delete;

  // -- the daemon ---------------------------------------------------------------
  /// Adjust before start_daemon(); state_dir and trusted are preset.
  actors::daemon_options options;
  /// If set, the daemon started next gets this decorator of its log handle
  /// (to make the log slow or absent for it, as a busy broker is).
  std::function<std::unique_ptr<events::event_log>(events::event_log& log)> wrap_daemon_log;
  void start_daemon();
  /// A clean stop: in-flight commands finish, offsets are committed.
  void stop_daemon();
  void restart_daemon() { stop_daemon(); start_daemon(); }
  [[nodiscard]] bool daemon_running() const { return daemon_ != nullptr; }
  [[nodiscard]] actors::daemon& running_daemon() { return *daemon_; }
  [[nodiscard]] std::filesystem::path state_dir() const { return dir_ / "state"; }

  // -- commands -----------------------------------------------------------------
  /// A command envelope built as command_client builds one. Signed by `signer`
  /// unless it is null; `after_signing` may then alter the message (tampering).
  [[nodiscard]] std::string command_bytes(std::string_view kind, std::string_view id, const host::command& c,
                                          const events::crypto::key_pair* signer,
                                          const std::function<void(schema::Envelope::Builder)>& after_signing = {},
                                          std::int64_t timestamp_ns = 0 /* 0: now */);
  [[nodiscard]] std::string host_command_bytes(std::string_view id, const host::command& c) {
    return command_bytes(host::entity::kind, id, c, &operator_key);
  }
  /// Puts raw bytes into the commands topic under `key`, as any writer could.
  command_position append_command(std::string_view key, const std::string& bytes);
  /// The bytes stored at `where` (to replay them).
  [[nodiscard]] std::string command_at(command_position where);

  /// How long a wait for a decision may take before the test fails. Passing
  /// runs take milliseconds; on Kafka on a busy 2-core machine (a parallel
  /// build, other brokers) a decision has taken over 5 s.
  static constexpr std::chrono::milliseconds outcome_wait{60000};

  /// The CLI path (ops::command_client), waiting for the outcome; `landed`,
  /// if given, receives where the command was appended.
  ops::command_outcome submit(std::string_view id, const host::command& c, const events::crypto::key_pair& signer,
                              command_position* landed = nullptr, std::chrono::milliseconds timeout = outcome_wait);
  ops::command_outcome submit(std::string_view id, const host::command& c) {
    return submit(id, c, operator_key);
  }
  /// The CLI path with --no-wait; returns where the command landed.
  command_position submit_nowait(std::string_view id, const host::command& c);

  // -- what the log holds -------------------------------------------------------
  [[nodiscard]] std::map<command_position, logged_outcome> outcomes();
  [[nodiscard]] logged_outcome outcome_of(command_position where) { return outcomes()[where]; }
  /// Waits until every command has an outcome; fails the test on timeout.
  std::map<command_position, logged_outcome> wait_for_outcomes(const std::vector<command_position>& which,
                                                                std::chrono::milliseconds timeout = outcome_wait);
  logged_outcome wait_for_outcome(command_position where, std::chrono::milliseconds timeout = outcome_wait) {
    return wait_for_outcomes({where}, timeout)[where];
  }
  /// Waits until the daemon's committed intake offsets reach the end of every
  /// commands partition (everything read and decided).
  void wait_until_committed(std::chrono::milliseconds timeout = outcome_wait);

  /// Hosts rebuilt by replaying storemesh.events.host, as `storemesh host list` does.
  [[nodiscard]] std::map<std::string, actors::entity_image<host::entity>> replay_hosts();
  [[nodiscard]] std::map<std::string, host_history> host_histories();
  /// Every record of a topic (seals included).
  [[nodiscard]] std::size_t record_count(const std::string& topic);
  /// Rejection records (seals excluded).
  [[nodiscard]] std::size_t rejection_count();
  /// Snapshot records of one host.
  [[nodiscard]] std::size_t snapshot_count(std::string_view id);
  /// ops::run_audit on a read-only open of the log, trusting the operator key
  /// and every sealing key this fixture's daemons used.
  [[nodiscard]] ops::audit_report audit();
  /// The same through `wrap`, a decorator of the log it opens (to put a step
  /// between two of the audit's reads).
  [[nodiscard]] ops::audit_report audit(
      const std::function<std::unique_ptr<events::event_log>(events::event_log& read_only)>& wrap);

  [[nodiscard]] events::event_log& operator_log() { return *cli_log_; }
  [[nodiscard]] const actors::topics& names() const { return options.names; }

  events::crypto::key_pair operator_key;

private:
  temp_dir dir_;
  std::unique_ptr<events::event_log> log_;      // the daemon's handle
  std::unique_ptr<events::event_log> cli_log_;  // the operator's handle (another "process")
  std::unique_ptr<events::event_log> wrapped_;  // wrap_daemon_log's decorator of log_, if any
  std::unique_ptr<actors::daemon> daemon_;
  std::vector<events::crypto::public_key> sealers_;
};

/// A failed result's message, or "" (never touches a success's error).
template <class R>
std::string failure_of(const R& r) {
  return r.has_value() ? std::string() : r.error().message();
}

/// STOREMESH_SEED if set, otherwise a fresh random seed.
std::uint64_t test_seed();

} // namespace storemesh::testing::runtime
