#pragma once
// Copy job: copies one file from a source datastore to a destination
// datastore, chunk by chunk, on one host at a time (services/migration/engine
// is the copy engine that does it; the agent of the host reports back here).
//
//   submitted+assigned(A, epoch 1) -> running --migrate--> stopping
//   stopping --stop_requested(A)--> --portion_completed(X)--> (between hosts)
//   --hand_over--> assigned(B, epoch 2, from X) -> running
//   running (or stopping, the stop too late) --finalizing--> finalizing -> completed | failed
//
// Finalizing: every byte is copied and recorded; the host verifies the temp
// file (fdatasync, O_DIRECT read-back, chunk hashes) and renames it into
// place. Nothing is left to hand over, so a migration is refused
// (`finalizing`) until the job ends.
//
// The epoch fences hosts: every assignment gets the next epoch, and a report
// that carries an older one (a host that has handed the job over) is refused
// as stale, so two hosts never both advance one job.
//
// The throttle (max_rate) can change while the job runs (`throttled`), for
// the rest of the copy or up to an offset (then another rate from there: a
// copy held at a point); whichever host holds the job applies it.

#include "services/decision.hpp"
#include "services/fleet/fleet.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace storemesh::services::copy_job {

using chunk_hash = std::array<std::uint8_t, 32>;

inline constexpr std::uint64_t default_chunk_size = 8u << 20;
inline constexpr std::uint64_t min_chunk_size = 4096;     // one page: smaller only costs events
inline constexpr std::uint64_t max_chunk_size = 1u << 30; // a chunk is held in memory while hashed
/// Throttles (bytes per second; 0 = unthrottled). Below a KiB/s a copy moves
/// one page every few seconds: slow enough to hold a copy where it is.
inline constexpr std::uint64_t min_rate = 1024;
inline constexpr std::uint64_t max_rate_limit = std::uint64_t{1} << 40;  // 1 TiB/s: anything above is a typo

struct location {
  std::string datastore;
  std::string path;  ///< relative to the datastore root
  friend bool operator==(const location& a, const location& b) {
    return a.datastore == b.datastore && a.path == b.path;
  }
};

// -- events (the storage format: add alternatives, never change one) ----------

struct submitted {
  location source, destination;
  std::uint64_t chunk_size = default_chunk_size;
  std::uint64_t max_rate = 0;
  bool operator==(const submitted&) const;
};
/// Request 1 (epoch 1) and request 3 (later epochs) to HOST: copy from FROM.
struct assigned {
  std::string host;
  std::uint32_t epoch = 0;
  std::uint64_t from = 0;
  std::uint32_t migration = 0;  ///< the migration that handed it over; 0 for request 1
  bool operator==(const assigned&) const;
};
/// The source as it was when the job started: size and modification time.
struct started {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const started&) const;
};
struct progressed {
  std::uint64_t offset = 0;             ///< highest contiguous byte copied
  std::vector<chunk_hash> hashes;       ///< chunks completed since the previous event
  std::int64_t measured_ns = 0;         ///< when the host had copied up to offset (its clock; 0: unknown)
  bool operator==(const progressed&) const;
};
/// Host B selected; the migration process manager runs the hand-over.
struct migration_requested {
  std::uint32_t migration = 0;
  std::string from, to, reason;
  bool operator==(const migration_requested&) const;
};
/// Request 2 to HOST: stop after the chunk in flight.
struct stop_requested {
  std::uint32_t migration = 0;
  std::string host;
  std::uint32_t epoch = 0;
  bool operator==(const stop_requested&) const;
};
/// HOST completed a first portion, up to OFFSET, and stopped.
struct portion_completed {
  std::string host;
  std::uint32_t epoch = 0;
  std::uint64_t offset = 0;
  std::uint32_t migration = 0;
  bool operator==(const portion_completed&) const;
};
// MIGRATION: the migration in progress when the job ended (0 if none), so its
// process manager learns the end without keeping a map of jobs.
struct completed {
  chunk_hash digest{};  ///< SHA-256 over the chunk hashes, in order
  std::uint32_t migration = 0;
  bool operator==(const completed&) const;
};
struct failed {
  std::string code, reason;
  std::uint32_t migration = 0;
  bool operator==(const failed&) const;
};
/// The throttle from now on: MAX_RATE; with UNTIL > 0 only below that
/// offset, and THEN from it on.
struct throttled {
  std::uint64_t max_rate = 0;
  std::uint64_t until = 0;
  std::uint64_t then = 0;
  bool operator==(const throttled&) const;
};
/// HOST copied every byte; its finalize (verify, rename) began at STARTED_NS
/// (its clock).
struct finalizing {
  std::string host;
  std::uint32_t epoch = 0;
  std::int64_t started_ns = 0;
  bool operator==(const finalizing&) const;
};

using event = std::variant<submitted, assigned, started, progressed, migration_requested, stop_requested,
                           portion_completed, completed, failed, throttled, finalizing>;

// -- state ----------------------------------------------------------------------

/// Stored by number in snapshots: add at the end only.
enum class job_status : std::uint8_t { none, running, stopping, completed, failed, finalizing };

struct hop {
  std::string host;
  std::uint32_t epoch = 0;
  std::uint64_t from = 0;
  bool operator==(const hop&) const;
};

struct state {
  job_status status = job_status::none;
  location source, destination;
  std::uint64_t chunk_size = default_chunk_size;
  std::uint64_t max_rate = 0;    ///< the throttle in force
  std::uint64_t rate_until = 0;  ///< a pending change: from this offset (0: none) ...
  std::uint64_t rate_then = 0;   ///< ... this rate
  std::string host;             ///< the host that holds the job; empty between two hosts
  std::uint32_t epoch = 0;
  bool started = false;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t offset = 0;
  std::vector<chunk_hash> hashes;
  std::uint32_t migrations = 0;  ///< migrations begun; the last one is in progress while stopping
  std::string migrate_to;        ///< the migration's target; kept while finalizing if one was requested
  bool stop_sent = false;
  bool portion_done = false;
  std::vector<hop> hops;
  chunk_hash digest{};
  std::string failure_code, failure_reason;
  bool operator==(const state&) const;

  /// Where a resumed copy starts: the last chunk boundary whose hash is known,
  /// or the end of the source once every chunk is (the last may be partial).
  [[nodiscard]] std::uint64_t resume_offset() const {
    const auto covered = hashes.size() * chunk_size;
    return started && covered > size ? size : covered;
  }
  [[nodiscard]] bool finished() const { return status == job_status::completed || status == job_status::failed; }
  /// The migration a completed or failed event must tell (0: none): the one
  /// in progress, also when the job reached its finalize before it could stop.
  [[nodiscard]] std::uint32_t migration_in_progress() const {
    const bool pending = status == job_status::stopping || (status == job_status::finalizing && !migrate_to.empty());
    return pending ? migrations : 0;
  }
};

inline const state initial{};

[[nodiscard]] state evolve(state s, const event& e);

// -- commands -------------------------------------------------------------------

struct submit {
  location source, destination;
  std::string host;  ///< empty: chosen by policy
  std::uint64_t chunk_size = default_chunk_size;
  std::uint64_t max_rate = 0;
};
struct migrate {
  std::string to;  ///< empty: chosen by policy
  std::string reason;
};
struct request_stop { std::uint32_t migration = 0; };
struct hand_over { std::uint32_t migration = 0; };
struct report_started { std::uint32_t epoch = 0; std::uint64_t size = 0; std::int64_t mtime_ns = 0; };
struct report_progress {
  std::uint32_t epoch = 0;
  std::uint64_t offset = 0;
  std::vector<chunk_hash> hashes;
  std::int64_t measured_ns = 0;  ///< when the copy reached offset, by the host's clock
};
struct report_stopped { std::uint32_t epoch = 0; std::uint64_t offset = 0; std::vector<chunk_hash> hashes; };
struct report_finished { std::uint32_t epoch = 0; chunk_hash digest{}; };
struct report_failed { std::uint32_t epoch = 0; std::string code, reason; };
/// From operators: the throttle from now on (see throttled).
struct throttle {
  std::uint64_t max_rate = 0;
  std::uint64_t until = 0;  ///< 0: for the rest of the copy
  std::uint64_t then = 0;   ///< the rate from UNTIL on
};
/// Every byte copied and recorded; the finalize began at STARTED_NS.
struct report_finalizing { std::uint32_t epoch = 0; std::int64_t started_ns = 0; };

using command = std::variant<submit, migrate, request_stop, hand_over, report_started, report_progress,
                             report_stopped, report_finished, report_failed, throttle, report_finalizing>;

/// Deciding needs the fleet (is the target host up, does it mount both
/// datastores, which one has the fewest jobs): a value, passed in.
[[nodiscard]] decision<event> decide(const state& s, const command& c, const fleet::view& fleet);

/// The job's digest: SHA-256 over its chunk hashes in order.
[[nodiscard]] chunk_hash digest_of(const std::vector<chunk_hash>& hashes);
/// Number of chunks of a file of SIZE bytes.
[[nodiscard]] std::uint64_t chunk_count(std::uint64_t size, std::uint64_t chunk_size);
[[nodiscard]] std::string_view to_string(job_status s);

} // namespace storemesh::services::copy_job
