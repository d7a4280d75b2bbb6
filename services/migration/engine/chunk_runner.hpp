#pragma once
// Runs a per-chunk copy on worker threads and reports progress in chunk order
// on the calling thread. The parallel core of copy_range. Internal.
//
// Workers claim chunks in order; a chunk claimed is always finished (or
// fails). Reporting is in order: a chunk finished early waits for the ones
// before it. Workers may run at most `2 * workers` chunks ahead of the last
// report, which bounds both the hashes held back and how much is still in
// flight when a stop arrives.

#include "events/error.hpp"
#include "services/migration/engine/chunk_plan.hpp"
#include "services/migration/engine/copy_engine.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

namespace storemesh::services::migration::engine_detail {

/// Copies chunk `chunk` on worker thread `worker` (0-based, for per-worker
/// buffers), storing the bytes done so far in `copied` as it goes. Returns the
/// chunk's hash, or nullopt when not hashing.
using chunk_copier =
    std::function<result<std::optional<chunk_hash>>(unsigned worker, std::uint64_t chunk, std::atomic<std::uint64_t>& copied)>;

struct run_request {
  chunk_plan plan;
  std::uint64_t first_chunk = 0;  // chunks [first_chunk, plan.count()) are copied
  unsigned workers = 1;
  /// A report at least this often while a chunk is in flight (the contract of
  /// copy_range: a throttled job still shows it is alive).
  std::chrono::milliseconds report_every{250};
  /// Where each worker adds the CPU time it spends on chunks; none: not measured.
  std::atomic<std::uint64_t>* cpu_ns = nullptr;
};

/// Returns the end offset of the chunks copied (all of them, or those done
/// when `stop` was seen), or the first failure of any chunk.
[[nodiscard]] result<std::uint64_t> run_chunks(const run_request& request, const chunk_copier& copy,
                                               const std::atomic<bool>& stop,
                                               const std::function<void(const progress&)>& on_progress);

} // namespace storemesh::services::migration::engine_detail
