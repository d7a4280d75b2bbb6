#pragma once
// Moving the bytes of one chunk: the two kinds of chunk_copier that
// copy_range hands to run_chunks. Internal to the engine.
//
// Both check the source's identity before the chunk, take bytes from the
// throttle (rate_control) piece by piece, and report a source that ends
// early as source_changed, an abandoned run (the throttle cancelled) as
// stopped.

#include "services/migration/engine/aligned_buffer.hpp"
#include "services/migration/engine/chunk_runner.hpp"
#include "services/migration/engine/rate_control.hpp"

#include <memory>
#include <vector>

namespace storemesh::services::migration::engine_detail {

/// The open files of one copy_range call.
struct copy_files {
  const copy_spec& spec;
  chunk_plan plan;
  int source = -1;
  int temp = -1;
  rate_control& rate;
};

/// pread, SHA-256, pwrite, piece by piece; one buffer and hasher per worker.
class hashing_copier {
public:
  hashing_copier(const copy_files& files, unsigned workers);
  [[nodiscard]] result<std::optional<chunk_hash>> operator()(unsigned worker, std::uint64_t chunk,
                                                             std::atomic<std::uint64_t>& copied);

private:
  const copy_files& files_;
  std::vector<aligned_buffer> buffers_;
  std::vector<std::unique_ptr<sha256_stream>> hashers_;
};

/// copy_file_range(2): the kernel moves the bytes, nothing is hashed. Falls
/// back to pread/pwrite where the file systems cannot (EXDEV, EOPNOTSUPP).
/// One worker only.
class plain_copier {
public:
  explicit plain_copier(const copy_files& files);
  [[nodiscard]] result<std::optional<chunk_hash>> operator()(unsigned worker, std::uint64_t chunk,
                                                             std::atomic<std::uint64_t>& copied);

private:
  result<std::uint64_t> copy_piece(std::uint64_t pos, std::uint64_t n);

  const copy_files& files_;
  std::optional<aligned_buffer> fallback_;  // allocated once copy_file_range refuses
};

} // namespace storemesh::services::migration::engine_detail
