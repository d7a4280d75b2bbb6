#pragma once
// Which bytes a chunk index stands for. Internal to the engine.

#include <algorithm>
#include <cstdint>
#include <thread>

namespace storemesh::services::migration::engine_detail {

/// Chunk i of a file covers [i * chunk_size, min((i + 1) * chunk_size, size)).
struct chunk_plan {
  std::uint64_t size = 0;
  std::uint64_t chunk_size = 1;

  [[nodiscard]] std::uint64_t count() const { return (size + chunk_size - 1) / chunk_size; }
  [[nodiscard]] std::uint64_t offset(std::uint64_t i) const { return i * chunk_size; }
  [[nodiscard]] std::uint64_t length(std::uint64_t i) const {
    return std::min(chunk_size, size - std::min(size, offset(i)));
  }
  /// Where chunk i ends (the size for the last one).
  [[nodiscard]] std::uint64_t end(std::uint64_t i) const { return std::min(size, offset(i) + chunk_size); }
};

/// Threads for work that is CPU-bound per chunk (SHA-256 of one chunk is
/// sequential, so parallelism comes from chunks side by side): one per core,
/// but no more than 4, beyond which the page cache and the disk, not hashing,
/// are the limit; and never more than there are chunks.
[[nodiscard]] inline unsigned worker_count(std::uint64_t chunks) {
  constexpr unsigned max_workers = 4;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return static_cast<unsigned>(std::max<std::uint64_t>(1, std::min<std::uint64_t>(chunks, std::min(cores, max_workers))));
}

/// The unit of one read, hash and write inside a chunk: small enough to stay
/// in the L2 cache between the read and the hash and write that follow, large
/// enough that system calls cost little (4096 per GiB). Not larger: the page
/// cache backs a write with folios as large as the write, and on the 2-core
/// VM, 1 GiB written in 1 MiB pieces took 0.5-2.0 s (large folios come from
/// memory the host has to fault in), in 512 KiB pieces 0.73 s, in 256 KiB
/// pieces 0.48 s every time.
inline constexpr std::uint64_t io_block = 256u << 10;

} // namespace storemesh::services::migration::engine_detail
