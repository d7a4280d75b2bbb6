#pragma once
// Multihash, the one kind we make and accept: sha2-256 (code 0x12) with its
// full 32-byte digest, encoded as varint(0x12) varint(32) digest = 0x12 0x20
// followed by the 32 bytes. SHA-256 goes through OpenSSL EVP, which uses the
// CPU's SHA instructions (SHA-NI) where there are some (~1.4 GB/s here,
// against 0.41 GB/s for libsodium: DESIGN.md).

#include "events/error.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace storemesh::services::consensus {

inline constexpr std::uint64_t multihash_sha2_256 = 0x12;
using sha256_digest = std::array<std::uint8_t, 32>;

/// SHA-256 of `bytes` (OpenSSL EVP; aborts only if OpenSSL has no SHA-256).
[[nodiscard]] sha256_digest sha256(std::string_view bytes);

/// The 34-byte multihash of a sha2-256 digest.
void append_multihash(std::string& out, const sha256_digest& digest);

struct multihash_read {
  sha256_digest digest;
  std::size_t size;  ///< bytes consumed
};
/// Reads a multihash from the start of `in`: unsupported_hash for any code
/// other than sha2-256 or a length other than 32, bad_cid when truncated.
[[nodiscard]] result<multihash_read> read_multihash(std::string_view in);

} // namespace storemesh::services::consensus
