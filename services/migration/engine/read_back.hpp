#pragma once
// Reading a written file back and comparing its chunks with the source's
// hashes: finalize's verification. Internal to the engine.

#include "events/error.hpp"
#include "services/migration/engine/chunk_hash.hpp"
#include "services/migration/engine/chunk_plan.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <vector>

namespace storemesh::services::migration::engine_detail {

/// The chunks among `which` whose bytes in `file` do not hash to expected[i]
/// (a chunk cut short by the file's end differs). `fd` is the caller's open
/// descriptor of `file`, its writes already synced.
///
/// The bytes compared are those the storage returns, not the pages we wrote:
/// read with O_DIRECT where the file system allows it (and chunks are
/// page-aligned), else through the page cache after dropping the file's
/// cached pages. Chunks are hashed side by side on several threads, which add
/// the CPU time they spend to `cpu_ns` when given.
[[nodiscard]] result<std::vector<std::uint64_t>> mismatched_chunks(int fd, const std::filesystem::path& file,
                                                                   const chunk_plan& plan,
                                                                   const std::vector<chunk_hash>& expected,
                                                                   const std::vector<std::uint64_t>& which,
                                                                   std::atomic<std::uint64_t>* cpu_ns = nullptr);

/// 0, 1, ..., plan.count() - 1.
[[nodiscard]] std::vector<std::uint64_t> all_chunks(const chunk_plan& plan);

} // namespace storemesh::services::migration::engine_detail
