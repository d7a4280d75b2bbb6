#pragma once
// The records bench_log writes and reads: host events as the runtime builds
// them (actors/records.cpp: every envelope field set, hash-linked per entity),
// batch seals, and signed host commands.

#include "events/crypto/hashing.hpp"
#include "events/crypto/keys.hpp"
#include "events/event_log.hpp"

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::bench {

inline constexpr std::string_view events_topic = "storemesh.events.host";
inline constexpr std::string_view sealer_id = "daemon-bench";

/// Event records of `entities` hosts in a seeded random order. Each is a full
/// Envelope (id, kind, entity id, sequence, causation and correlation ids,
/// timestamp, producer, command offset, prevHash link, a hostEvent payload)
/// whose prevHash is the record_hash of its entity's previous record.
class event_stream {
public:
  event_stream(std::size_t entities, std::uint64_t seed);
  /// The next event; also returns its record_hash through `hash`.
  [[nodiscard]] events::record next(events::crypto::digest& hash);

private:
  std::vector<std::string> ids_;
  std::vector<std::uint64_t> seq_;
  std::vector<events::crypto::digest> last_;
  std::mt19937_64 rng_;
  std::int64_t command_offset_ = 0;
};

/// A batch's closing seal record (entityKind "seal"), over the record_hash
/// of each event record before it in the batch.
[[nodiscard]] events::record make_seal_record(std::string_view topic, std::int32_t partition,
                                              const std::vector<events::crypto::digest>& hashes,
                                              const events::crypto::key_pair& sealer);

/// The value of a signed host command record (register, two datastores),
/// as `storemesh` CLI would write it to the commands topic.
[[nodiscard]] std::string make_signed_command(std::size_t i, const events::crypto::key_pair& signer);

/// Record values copied back to back into 8-aligned storage, as a file log
/// reader hands them out, so decoders read them in place.
class aligned_values {
public:
  void add(std::string_view bytes);
  [[nodiscard]] std::string_view operator[](std::size_t i) const;
  [[nodiscard]] std::size_t size() const { return spans_.size(); }
  [[nodiscard]] std::size_t bytes() const { return words_.size() * sizeof(std::uint64_t); }

private:
  struct span {
    std::size_t word;
    std::size_t size;
  };
  std::vector<std::uint64_t> words_;  // 8-aligned
  std::vector<span> spans_;
};

} // namespace storemesh::bench
