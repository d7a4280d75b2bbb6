#pragma once
// Conditions met while mapping a module's Cap'n Proto messages to its domain
// types (services/*/*_codec).

#include <system_error>

namespace storemesh::services {

enum class codec_errc {
  /// The envelope's payload is not a message of this entity kind.
  wrong_payload = 1,
  /// The payload is of the right kind but a union member or enum value is one
  /// this build does not know (written by a newer version).
  unknown_variant,
  /// A field holds bytes that do not decode (for example a state snapshot).
  malformed,
};

const std::error_category& codec_category() noexcept;

inline std::error_code make_error_code(codec_errc e) noexcept { return {static_cast<int>(e), codec_category()}; }

} // namespace storemesh::services

template <>
struct std::is_error_code_enum<storemesh::services::codec_errc> : std::true_type {};
