#pragma once
// One replay of a partition, as `storemesh audit` does it, verifying as much
// as `level` says: each level adds one kind of work to the one before, so the
// difference between two levels' times is what that kind of work costs.

#include "events/crypto/keys.hpp"

#include <cstdint>
#include <filesystem>

namespace storemesh::bench {

enum class replay_level {
  read,    // file_log_reader::poll every record (CRC-checked batches)
  decode,  // + decoded_envelope::decode of each record
  chains,  // + per-entity chain: record key, sequence +1, prevHash == record_hash of the previous
  full,    // + every seal: its count, its key, verify_seal over the hashes it covers
};

struct replay_result {
  std::uint64_t events = 0;
  std::uint64_t seals = 0;
  std::uint64_t bytes = 0;        // record values
  double seconds = 0;             // open, read(), every poll, the checks
  double open_seconds = 0;        // file_log::open + read() until the reader exists
};

/// Replays partition 0 of the events topic under `root` (opened read-only),
/// failing the process on any verification failure.
[[nodiscard]] replay_result replay_pass(const std::filesystem::path& root, replay_level level,
                                        const events::crypto::public_key& sealer);

} // namespace storemesh::bench
