#pragma once
// record_hash of many records at once. A replay hashes every record, and one
// BLAKE2b-256 of a ~280 B event (three 128 B blocks, each compressed in
// turn) is ~360 ns here, the largest part of a verified event. BLAKE2b's
// rounds are sequential within one message but independent across messages,
// so with AVX-512 eight records are compressed side by side, one per 64-bit
// lane: the same function, the same digests, about three times the rate.
// Without AVX-512 (or for long values, where lanes of different lengths
// would idle) each value goes through libsodium as record_hash does.

#include "events/crypto/hashing.hpp"

#include <cstddef>
#include <string_view>

namespace storemesh::events::crypto {

/// out[i] = record_hash(values[i]) for i < n. Thread-safe (no shared state).
void record_hashes(const std::string_view* values, std::size_t n, digest* out);

/// Whether record_hashes() uses the 8-lane path on this CPU (for tests and
/// benchmarks to say what they measured).
[[nodiscard]] bool record_hashes_in_lanes();

} // namespace storemesh::events::crypto
