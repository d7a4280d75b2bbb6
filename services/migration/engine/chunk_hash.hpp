#pragma once
// SHA-256 (OpenSSL EVP: SHA-NI where the CPU has it) of the chunks of a copy
// job, and the job's digest.
//
// A job's digest is NOT the SHA-256 of the file: it is the SHA-256 over the
// concatenation of its chunk hashes, in chunk order,
//   job_digest = SHA-256(sha256(chunk 0) || sha256(chunk 1) || ...),
// so it can be computed from the chunk-hash list a job records while copying
// (and continues across a resume), without reading the file again. It depends
// on the chunk size: the same file copied with another chunk size has another
// digest.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace storemesh::services::migration {

using chunk_hash = std::array<std::uint8_t, 32>;

[[nodiscard]] chunk_hash sha256(const void* data, std::size_t size);
/// SHA-256 over the chunk hashes, in order (see above).
[[nodiscard]] chunk_hash job_digest(const std::vector<chunk_hash>& chunk_hashes);
/// 64 lowercase hex digits.
[[nodiscard]] std::string to_hex(const chunk_hash& h);

/// A chunk hashed piece by piece (so each piece is hashed while it is still in
/// the CPU cache). One per thread; reusable after finish().
class sha256_stream {
public:
  sha256_stream();
  ~sha256_stream();
  sha256_stream(const sha256_stream&) = delete;
  sha256_stream& operator=(const sha256_stream&) = delete;

  void update(const void* data, std::size_t size);
  /// The hash of everything since construction or the last finish().
  [[nodiscard]] chunk_hash finish();

private:
  EVP_MD_CTX* ctx_;
};

} // namespace storemesh::services::migration
