#pragma once
// Replays one partition of a sealed events topic and verifies everything the
// log promises (DESIGN.md, Security): every record decodes, every entity's
// events form an unbroken hash chain (sequence +1, prevHash = record_hash of
// the entity's previous event), and every record is covered by a batch seal
// of a trusted daemon key whose signature matches the hashes it covers.
//
// Violations are values: the replay goes on past a broken link, a bad seal or
// an undecodable record and reports each one where it is. Only the log itself
// failing stops it: a corrupt record (log_errc::corrupt_record) becomes one
// violation and ends the partition; any other log error is the result's error.
//
// Threads: options.threads - 1 workers decode and hash records ahead (both
// are independent per record, and most of a verified event's cost), sharing
// that work with the calling thread, which does the ordered checks and calls
// `on_event` in log order. on_event therefore runs on the calling thread, and
// never concurrently with itself. The workers also verify the seals' Ed25519
// signatures. Only the ordered checks and poll() stay on the calling thread:
// they bound the rate (see README, Benchmarks) however many threads there are.

#include "events/crypto/hashing.hpp"
#include "events/crypto/trusted_keys.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/error.hpp"
#include "events/event_log.hpp"
#include "events/strong_types.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::events::replay {

/// One thing wrong with the log, where it is.
struct violation {
  std::string topic;
  partition_id partition;
  offset at;         // the offending record (for an unsealed tail: its first record)
  std::string what;  // one human-readable line
};

/// What one replay saw. Clean means violations is empty.
struct replay_report {
  std::uint64_t records = 0;  // every record read below `until`, seals included
  std::uint64_t events = 0;   // records passed to on_event
  std::uint64_t seals = 0;
  offset end;                 // the offset after the last record read (past `until`: the one
                              // that closed the batch `until` cut)
  std::vector<violation> violations;

  [[nodiscard]] bool clean() const { return violations.empty(); }
};

/// Called for every event (a decoded record with an event link; in a topic
/// that is not chained, every decoded record but the seals) in log order,
/// whether or not its link or seal checks out (those go to the report). All
/// three arguments are valid only during the call. `hash` is its record_hash.
using event_callback = std::function<void(const record_view& record, const envelope::decoded_envelope& event,
                                          const crypto::digest& hash)>;

struct replay_options {
  /// Threads that decode and hash, the calling thread included (1: all on
  /// the calling thread; 0 counts as 1).
  unsigned threads = 2;
  /// How much poll() reads at a time: the unit the two threads share.
  std::size_t poll_bytes = std::size_t{2} << 20;
  /// Replay only the records below this offset (the log as it was there).
  /// A batch that `until` cuts is still verified against its seal: its
  /// records from `until` on are read for that check and nothing else (not
  /// chained, counted or passed on; the seal is counted with the seals).
  offset until{std::numeric_limits<std::int64_t>::max()};
  /// The records are events, hash-linked per entity. False for a sealed
  /// topic of other records (storemesh.rejected): each is covered by its
  /// batch's seal and passed to on_event, and none is chained.
  bool chained = true;
};

/// Replays `topic`/`p` of `log` from offset 0 to its current end (or to
/// options.until). Seals must
/// be signed by one of `daemon_keys`. Errors: the log's, except
/// corrupt_record (reported as a violation).
[[nodiscard]] result<replay_report> verified_replay(event_log& log, std::string_view topic, partition_id p,
                                                    const crypto::trusted_keys& daemon_keys,
                                                    const event_callback& on_event = {},
                                                    const replay_options& options = {});

} // namespace storemesh::events::replay
