#pragma once
// The pieces of a verified replay measured one by one, each twice: through
// the events/ library and raw (the underlying library call with nothing
// around it), on the same data. The raw figures are the references of the
// replay table and, summed, its ceiling.

#include "bench/bench_data.hpp"
#include "bench/bench_util.hpp"

#include "events/crypto/keys.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace storemesh::bench {

struct component_results {
  // raw
  double read_seconds = 0;         // pread of every segment file, 1 MiB at a time
  std::uint64_t read_bytes = 0;
  double decode_seconds = 0;       // FlatArrayMessageReader + getRoot + getSequence, every record
  double blake_seconds = 0;        // crypto_generichash_blake2b of every event value
  double verify_seconds_each = 0;  // crypto_sign_verify_detached of a 32 B message
  double blake_big_mb_per_second = 0;  // BLAKE2b of 1 MiB buffers
  // through events/
  double lib_decode_seconds = 0;            // decoded_envelope::decode, every record
  double lib_blake_seconds = 0;             // crypto::record_hash, every event value
  double lib_lanes_seconds = 0;             // crypto::record_hashes, 64 event values a call
  double lib_verify_seal_seconds_each = 0;  // crypto::verify_seal over 1000 hashes
};

/// Measures every component, best of o.runs each, raw and library interleaved.
/// `all` holds every record value, `hashed` the event values; the segment
/// files are those under `root`. `verifies` signatures are checked per run.
[[nodiscard]] component_results measure_components(const options& o, const std::filesystem::path& root,
                                                   const aligned_values& all, const aligned_values& hashed,
                                                   const events::crypto::key_pair& sealer, std::size_t verifies);

} // namespace storemesh::bench
