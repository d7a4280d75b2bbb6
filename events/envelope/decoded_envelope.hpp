#pragma once
// A record value decoded as an Envelope and validated, once, up front.
//
// decode() never throws and never crashes, whatever the bytes: it returns a
// decoded_envelope or an envelope_errc. A decoded_envelope guarantees:
//   - the bytes are exactly one well-formed Cap'n Proto message (no trailing
//     bytes, no capabilities, no overlapping pointers);
//   - every field this build's schemas know can be read through reader()
//     without Cap'n Proto throwing (see structure_check.hpp);
//   - id is 16 bytes, entityKind is non-empty, entityId is a valid entity id.
// It does NOT guarantee the payload is one this build knows: a record from a
// newer producer decodes, payload_known() is false, and the intake rejects it
// with check_payload_known()'s "unknown message type N". Decoding such records
// keeps them auditable and forwardable instead of turning them into garbage.
//
// Memory: when the bytes are 8-byte aligned (the FileLog guarantees it) the
// message is read in place, allocation-free: the bytes must then outlive the
// decoded_envelope (e.g. until the log reader's next poll()). Otherwise (Kafka's
// buffers are not aligned) they are copied once into a buffer the
// decoded_envelope owns. Either way it is movable, and reader() stays valid
// until it is destroyed or moved from. A move rebuilds the message reader
// (~80 ns): decode() builds its result in place, and replay loops reuse one
// slot per record through decode_into().
//
// Cap'n Proto counts every read against a traversal limit (64 MiB of reads per
// decoded_envelope); the accessors below are cached and cost nothing, but code
// that re-reads a large payload many times through reader() should keep what
// it needs.

#include "events/error.hpp"

#include "schemas/envelope.capnp.h"

#include <capnp/serialize.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace storemesh::events::envelope {

/// Larger records are refused (too_large) before any parsing.
inline constexpr std::size_t max_envelope_bytes = std::size_t{4} << 20;

class decoded_envelope {
public:
  /// Decodes and validates one record value. Errors: too_large, malformed,
  /// missing_field, bad_entity_id (envelope_errc); the detail says what and where.
  [[nodiscard]] static result<decoded_envelope> decode(std::string_view bytes);

  /// The same as decode(), into an existing decoded_envelope: for loops that
  /// decode many records, reusing one slot each (nothing is moved, so the
  /// message reader is built exactly once per record). On failure `slot` is
  /// empty (as if default-constructed); on success it holds the record and
  /// whatever it held before is gone.
  [[nodiscard]] static result<void> decode_into(std::string_view bytes, decoded_envelope& slot);

  /// An empty decoded_envelope, only good as a decode_into() slot: its
  /// accessors must not be called until a decode_into() succeeds.
  decoded_envelope() = default;

  decoded_envelope(decoded_envelope&& other) noexcept;
  decoded_envelope& operator=(decoded_envelope&& other) noexcept;
  decoded_envelope(const decoded_envelope&) = delete;
  decoded_envelope& operator=(const decoded_envelope&) = delete;
  ~decoded_envelope() = default;

  [[nodiscard]] schema::Envelope::Reader reader() const { return root_; }
  [[nodiscard]] const std::array<std::uint8_t, 16>& id() const { return id_; }
  [[nodiscard]] std::string_view entity_kind() const { return entity_kind_; }
  [[nodiscard]] std::string_view entity_id() const { return entity_id_; }

  /// The payload's discriminant, possibly a value this build has no name for.
  [[nodiscard]] schema::Envelope::Payload::Which payload_which() const { return payload_which_; }
  /// Whether this build's schema knows the payload's union member.
  [[nodiscard]] bool payload_known() const;
  /// unknown_payload ("unknown message type N") unless payload_known().
  [[nodiscard]] result<void> check_payload_known() const;

  /// The message's bytes: the caller's (read in place) or the owned copy.
  [[nodiscard]] std::string_view bytes() const;
  /// Whether decode() had to copy the bytes (they were not 8-byte aligned).
  [[nodiscard]] bool owns_bytes() const { return owned_.size() != 0; }

private:
  void clear() noexcept;
  /// (Re)creates the message reader over words_: at decode, and after a move,
  /// because a Cap'n Proto reader can neither be moved nor outlive its segment table.
  void attach();
  void take(decoded_envelope& other) noexcept;

  kj::ArrayPtr<const capnp::word> words_;
  kj::Array<capnp::word> owned_;
  std::optional<capnp::FlatArrayMessageReader> message_;
  schema::Envelope::Reader root_;
  std::array<std::uint8_t, 16> id_{};
  std::string_view entity_kind_;
  std::string_view entity_id_;
  schema::Envelope::Payload::Which payload_which_{};
};

} // namespace storemesh::events::envelope
