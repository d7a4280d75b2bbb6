#pragma once
// The auditor's replay: every record of every storemesh topic, checked.
//  - commands: each signature verified against the trusted keys;
//  - events: decoded, each entity's sequence continuous and hash chain intact,
//    folded into its state by the module's own evolve; the command that caused
//    each event in the log and validly signed by a trusted key;
//  - every batch the daemon appended covered by a seal whose signature, by a
//    trusted daemon key, matches the records' hashes;
//  - any unreadable or corrupt record is a violation.
// Chains and seals are checked by events::replay::verified_replay (one
// implementation, the one bench/replay_bench measures: a fix there is a fix
// here).
//
// Beside a live daemon: the commands topic is read first, then the events
// topics, to their ends as of when each is read; an event read may answer a
// command appended after the commands were read. So causes not found are
// looked for again, once the events are read, in the commands appended since
// (an event is always appended after its command); only a cause still absent
// then is a violation.
// Read-only: opens the log without touching a byte.

#include "actors/topics.hpp"
#include "events/crypto/trusted_keys.hpp"
#include "events/event_log.hpp"

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace storemesh::ops {

struct audit_options {
  actors::topics names;
  events::crypto::trusted_keys command_keys;  ///< operators
  events::crypto::trusted_keys daemon_keys;   ///< sealers
  /// Per partition, exclusive: the states as they were there. A batch it
  /// cuts is still checked against its seal, and the causes of the events
  /// below it are looked for in the whole commands topic.
  offset until{std::numeric_limits<std::int64_t>::max()};
};

struct audit_report {
  std::uint64_t records = 0;
  std::uint64_t commands = 0;
  std::uint64_t commands_signed_ok = 0;
  std::uint64_t commands_refused_signature = 0;  ///< not a violation: the intake rejects them
  std::uint64_t commands_malformed = 0;          ///< likewise: undecodable records on the commands topic
  std::uint64_t events = 0;
  std::uint64_t seals = 0;
  std::uint64_t rejections = 0;
  std::uint64_t snapshots = 0;
  std::map<std::string, std::uint64_t> entities;  ///< kind -> entities rebuilt
  std::vector<std::string> violations;
  [[nodiscard]] bool ok() const { return violations.empty(); }
};

[[nodiscard]] audit_report run_audit(events::event_log& log, const audit_options& o);

} // namespace storemesh::ops
