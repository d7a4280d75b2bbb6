#pragma once
// The copy engine: the data plane of a network file copy job. It copies a
// source file into a temp file chunk by chunk, hashing every chunk (SHA-256)
// as it goes; it can be stopped between chunks and resumed from a chunk
// boundary by another process or host, which continues the chunk-hash list;
// at the end it makes the temp durable, verifies it by reading it back, and
// renames it into place.
//
//   copy_range(from = 0) -> stopped at offset k -> copy_range(from = k) -> ... -> reached_end
//     -> finalize(all chunk hashes)  : fdatasync, read back + compare, rename, fsync dir
//   any failure or cancel -> discard : remove the temp (never the destination)
//
// A synchronous library: the caller runs it on a thread of its own (the calls
// block for as long as the copy takes). copy_range uses worker threads inside;
// its callbacks run on the calling thread. No two calls may work on the same
// temp file at once.

#include "events/error.hpp"
#include "services/migration/engine/chunk_hash.hpp"
#include "services/migration/engine/rate_control.hpp"
#include "services/migration/engine/source_identity.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

namespace storemesh::services::migration {

struct copy_spec {
  /// Resolved (resolve_in_datastore) absolute paths.
  std::filesystem::path source;
  /// Created if absent, never truncated (a resume continues it), never
  /// followed if it is a symlink. On the destination's file system (finalize
  /// renames it).
  std::filesystem::path temp;
  /// The final name: written only by finalize()'s rename.
  std::filesystem::path destination;
  /// The unit of hashing, resuming and progress. 8 MiB: large enough that
  /// per-chunk costs (a hash to record, a progress event) vanish, small
  /// enough that a stop or a throttled progress report comes soon.
  std::uint64_t chunk_size = 8u << 20;
  /// Bytes per second, 0 = unlimited; a token bucket, throttling smoothly.
  std::uint64_t max_rate = 0;
  /// The throttle, when the caller changes it while the copy runs (or
  /// cancels it: the run abandoned mid-chunk); replaces max_rate. Must
  /// outlive the calls.
  rate_control* rate = nullptr;
  /// false: plain copy_file_range, no hashes and nothing to finalize with
  /// (for benchmarks: what the engine costs beyond moving the bytes).
  bool verify = true;
  /// Recorded when the job started; checked before every chunk.
  source_identity expect;
  /// Where the copy's threads add the CPU time they spend (ns), for the load
  /// a gateway reports; none: not measured. Must outlive the calls.
  std::atomic<std::uint64_t>* cpu_ns = nullptr;
  /// Where the copy adds the bytes it writes, piece by piece (a gateway's
  /// measured rate: finer than the progress reports); none: not counted.
  std::atomic<std::uint64_t>* bytes_copied = nullptr;
};

struct progress {
  /// The end of the longest prefix of [from, size) that has been copied: a
  /// chunk boundary after a completed chunk, anywhere inside one for a
  /// mid-chunk report. (Not durable: nothing is fsynced before finalize.)
  std::uint64_t offset = 0;
  /// Hashes of the chunks completed since the previous report, in order (the
  /// continuation of the job's list); empty in a mid-chunk report and when
  /// verify is off.
  std::vector<chunk_hash> new_hashes;
};

struct run_outcome {
  /// Where the next copy_range starts: a chunk boundary, or the size.
  std::uint64_t offset = 0;
  bool reached_end = false;
  /// Bytes written to the temp by this call.
  std::uint64_t bytes_written = 0;
};

/// Copies [from, expect.size) chunk by chunk; `from` must be a multiple of
/// chunk_size (or equal the size).
///
/// Calls on_progress (on the calling thread) after every completed chunk;
/// chunks that complete while it runs arrive together in the next call, so a
/// slow callback gets fewer, larger reports rather than holding up the copy.
/// While a chunk is slow (throttled), also at least every 250 ms with a
/// mid-chunk offset and no hashes (only when it moved). Reads `stop` between chunks: once it is set, the chunks in
/// flight are finished and the call returns {their end, reached_end = false}.
///
/// Fails, leaving the temp for the caller to discard(), with not_found or
/// source_unreadable (source), source_changed (size or mtime differs from
/// `expect`, or the source ended early), disk_full, io_error (temp); with
/// stopped when spec.rate was cancelled (the temp is the caller's to keep).
[[nodiscard]] result<run_outcome> copy_range(const copy_spec& spec, std::uint64_t from,
                                             const std::atomic<bool>& stop,
                                             const std::function<void(const progress&)>& on_progress);

/// After the last chunk: fdatasync the temp; drop its cached pages and read it
/// back, comparing each chunk's hash with `source_hashes` (every chunk of the
/// file, in order). A chunk that differs is copied again once from the source,
/// provided the source chunk still has its recorded hash (else
/// source_changed), synced and re-checked; still different:
/// verification_failed. Then renames temp to destination and fsyncs the
/// destination's directory. Returns job_digest(source_hashes).
///
/// Idempotent: when the temp is gone and the destination exists with the
/// expected size (a previous finalize renamed it, then the process died), it
/// verifies the destination instead and returns the same digest.
[[nodiscard]] result<chunk_hash> finalize(const copy_spec& spec, const std::vector<chunk_hash>& source_hashes);

/// Removes the temp (the job failed or was cancelled). Never touches the
/// destination; a temp already gone is fine.
void discard(const copy_spec& spec);

/// CPU time the calling thread has used so far, in nanoseconds.
[[nodiscard]] std::uint64_t thread_cpu_ns();

} // namespace storemesh::services::migration
