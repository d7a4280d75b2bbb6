#pragma once
// Builds the records the runtime writes itself: events (hash-linked),
// rejections, seals and snapshots, each as an Envelope.

#include "actors/processed_commands.hpp"
#include "events/crypto/hashing.hpp"
#include "events/crypto/keys.hpp"
#include "events/event_log.hpp"
#include "schemas/envelope.capnp.h"

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace storemesh::actors {

/// What an event or rejection inherits from the command that caused it.
struct cause {
  std::array<std::uint8_t, 16> command_id{};
  std::string correlation_id;  ///< bytes; the command's own id when it had none
  std::int64_t command_offset = -1;
  /// When it was decided, the events' timestamp (0: now). Never before the
  /// command's own timestamp: processed_commands.hpp says why.
  std::int64_t decided_ns = 0;
};

/// An event envelope for entity (kind, id) at `seq`, linked to `prev_hash`;
/// `fill` writes the module's payload.
[[nodiscard]] events::record make_event_record(std::string_view kind, std::string_view id, std::uint64_t seq,
                                               const events::crypto::digest& prev_hash, const cause& c,
                                               std::string_view producer,
                                               const std::function<void(schema::Envelope::Builder)>& fill);

/// A rejection of the command record `command_bytes` (key = its entity id).
[[nodiscard]] events::record make_rejection_record(std::string_view kind, std::string_view id,
                                                   std::string_view code, std::string_view reason,
                                                   const std::string& command_topic, partition_id p,
                                                   std::int64_t command_offset, std::string_view command_bytes,
                                                   const std::array<std::uint8_t, 16>& command_id,
                                                   std::string_view producer);

/// Who sends a command and in answer to what.
struct command_header {
  std::array<std::uint8_t, 16> id{};
  std::string causation_id;    ///< bytes; empty for an operator's command
  std::string correlation_id;  ///< bytes; empty: the command's own id
  std::string producer;
};

/// A command for entity (kind, id), signed by `signer`, timestamped now.
/// The CLI and the daemon's own reactions and agents build theirs alike.
[[nodiscard]] result<events::record> make_command_record(std::string_view kind, std::string_view id,
                                                         const command_header& h,
                                                         const events::crypto::key_pair& signer,
                                                         const std::function<void(schema::Envelope::Builder)>& fill);

/// One command of a batch (make_command_batch).
struct command_spec {
  std::string kind, id;
  command_header header;
  std::function<void(schema::Envelope::Builder)> fill;
};

/// The records of `commands`, in order, signed together: one signature over
/// the batch's Merkle root, a proof in each record (command_signing.hpp). A
/// batch of one is signed alone (make_command_record's form). Each record is
/// keyed by its entity id and goes to that entity's partition on its own.
[[nodiscard]] result<std::vector<events::record>> make_command_batch(const std::vector<command_spec>& commands,
                                                                     const events::crypto::key_pair& signer);

[[nodiscard]] std::string message_id_key(const std::array<std::uint8_t, 16>& id);

} // namespace storemesh::actors

namespace storemesh::actors {

/// A snapshot of entity (kind, id) folded up to `events_offset` in
/// (events_topic, partition); `processed` maps command ids to their offsets.
[[nodiscard]] events::record make_snapshot_record(std::string_view kind, std::string_view id, std::uint64_t seq,
                                                  const events::crypto::digest& last_hash,
                                                  const std::string& events_topic, partition_id p,
                                                  std::int64_t events_offset, const std::string& state_bytes,
                                                  const processed_commands& processed,
                                                  std::string_view producer);

} // namespace storemesh::actors
