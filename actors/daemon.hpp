#pragma once
// One storemesh daemon on one log: the actor system, the log writer, the
// command intake and the entity router, wired together.
//
//   created -> starting -> running -> stopping -> stopped
// start(): open topics, load the sealing key (and trust it: the daemon's own
//          reactions and agents sign their commands with it), rebuild the
//          indexes and the fleet view, join the group (or own everything),
//          spawn the router, start the intake, the reaction feed, the fleet
//          feed (shared logs only) and the host agents.
// A partition the intake opens (at start, or assigned later) is taken over:
//          the indexes catch up, then its entities are restored on the
//          blocking pool in one pass per kind (partition_takeover.hpp),
//          while its commands are read; they wait in their actors until the
//          restore is done.
// stop():  stop the agents (their runs resume after a restart), the reactions
//          and the fleet feed, stop reading commands, let in-flight commands
//          finish (bounded), drain the writer with the final positions, stop
//          the actors, leave the group.

#include "actors/runtime_context.hpp"
#include "events/crypto/keys.hpp"
#include "events/crypto/trusted_keys.hpp"
#include "events/event_log.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>

namespace storemesh::actors {

struct daemon_options {
  std::filesystem::path state_dir;        ///< sealing key and intake offsets live here
  events::crypto::trusted_keys trusted;   ///< keys whose commands are accepted
  topics names;
  std::int32_t partitions = 2;            ///< for topics this daemon creates
  std::uint64_t snapshot_every = 1000;
  std::chrono::milliseconds idle_after{30000};
  /// How long a takeover keeps the restored images no command has claimed
  /// (restored_images.hpp): an entity that comes later recovers alone.
  std::chrono::milliseconds restore_hold{120000};
  /// Tests only: runs on the blocking pool before a takeover's restore reads
  /// anything, to hold it there (partition_takeover.hpp).
  std::function<void(partition_id, const restored_images&)> takeover_gate;
  std::chrono::nanoseconds dedup_window = std::chrono::hours(24);  ///< see processed_commands.hpp
  std::size_t dedup_max_ids = 8192;                                ///< the same, by count
  std::string producer;                   ///< defaults to daemon@<hostname>
  /// Run host agents (copy engines) here: for every host (the embedded
  /// default), or only for `agent_hosts` when it is not empty.
  bool run_agents = true;
  std::set<std::string> agent_hosts;
  /// Empty: this daemon owns every partition (positions under state_dir).
  /// Otherwise the consumer group it shares the partitions with (the log
  /// must have groups: the KafkaLog); every topic must then have the same
  /// partition count, since the owner of a command partition owns the entities
  /// whose events and snapshots land in the partition of the same number.
  std::string group;
  /// With a group: how long a round refused as fenced waits for news of the
  /// group (a rebalance) to be tried again under it (log_writer). About the
  /// group's session timeout.
  std::chrono::milliseconds fenced_wait{10000};
  /// Threads that check commands (decode, proof, signature), the intake's
  /// own counted; 0 is one per core.
  unsigned intake_threads = 0;
};

class daemon {
public:
  daemon(events::event_log& log, daemon_options options);
  ~daemon();
  daemon(const daemon&) = delete;
  daemon& operator=(const daemon&) = delete;

  [[nodiscard]] result<void> start();
  void stop();
  /// True once a fatal error (the log refused an append) requires a stop.
  [[nodiscard]] bool failed() const { return fatal_.load(); }
  [[nodiscard]] const events::crypto::public_key& sealing_key() const { return sealing_pub_; }
  /// The takeovers' restored images now (zeros when not running).
  [[nodiscard]] restored_images::counts restored() const;

private:
  struct parts;
  events::event_log& log_;
  daemon_options options_;
  std::atomic<bool> fatal_{false};
  std::atomic<bool> fenced_{false};
  events::crypto::public_key sealing_pub_;
  std::unique_ptr<parts> parts_;
};

/// Creates the runtime's topics (commands, rejected, snapshots, one events
/// topic per entity kind) if missing. Shared by the daemon and the CLI.
[[nodiscard]] result<void> create_topics(events::event_log& log, const topics& names, std::int32_t partitions);

} // namespace storemesh::actors
