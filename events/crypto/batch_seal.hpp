#pragma once
// Batch seals (log.capnp BatchSeal): events are tamper-evident without a
// signature each. Every appended batch ends with one seal record whose
// signature, by the writing daemon, is over
//
//   BLAKE2b-256("storemesh.seal.v1" || topic || partition (i32 LE)
//               || count (u32 LE) || record_hash of each covered record, in order)
//
// so an audit checks one Ed25519 signature per batch and re-hashes the rest.

#include "events/crypto/hashing.hpp"
#include "events/crypto/keys.hpp"

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace storemesh::events::crypto {

/// The seal signature over `record_hashes` (record_hash of each covered record,
/// in log order) appended to `partition` of `topic`.
[[nodiscard]] std::array<std::uint8_t, 64> seal_signature(std::string_view topic, std::int32_t partition,
                                                          const std::vector<digest>& record_hashes,
                                                          const key_pair& sealer);

/// True when `signature` (64 raw bytes) is `sealer`'s seal over exactly these
/// hashes, in this order, for this topic and partition. A signature of the
/// wrong length is simply false.
[[nodiscard]] bool verify_seal(std::string_view topic, std::int32_t partition,
                               const std::vector<digest>& record_hashes, const public_key& sealer,
                               std::string_view signature);

} // namespace storemesh::events::crypto
