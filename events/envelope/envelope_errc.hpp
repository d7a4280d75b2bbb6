#pragma once
// Conditions decoding a record as an Envelope reports. Each one sends a
// command to storemesh.rejected with the condition as its code.

#include <system_error>

namespace storemesh::events::envelope {

enum class envelope_errc {
  /// Not a well-formed Cap'n Proto message: bad framing or segment table,
  /// out-of-bounds or wrongly typed pointers, nesting too deep, more to read
  /// than its size allows (traversal limit, amplification), trailing bytes.
  malformed = 1,
  /// A required field is absent or of the wrong size: id not 16 bytes, empty
  /// entityKind or entityId.
  missing_field,
  /// entityId is not 1-128 characters of [A-Za-z0-9._:@-], or starts with '.'.
  bad_entity_id,
  /// The payload is a union member this build does not know: written by a
  /// newer schema (detail: "unknown message type N").
  unknown_payload,
  /// The record is larger than max_envelope_bytes.
  too_large,
};

const std::error_category& envelope_category() noexcept;

/// The value's name, e.g. "unknown_payload": what Rejection.code carries.
[[nodiscard]] const char* code_name(envelope_errc e) noexcept;

inline std::error_code make_error_code(envelope_errc e) noexcept {
  return {static_cast<int>(e), envelope_category()};
}

} // namespace storemesh::events::envelope

template <>
struct std::is_error_code_enum<storemesh::events::envelope::envelope_errc> : std::true_type {};
