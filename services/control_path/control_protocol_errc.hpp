#pragma once
// What reading and writing the control protocol (control_protocol.hpp,
// FORMAT.md) can fail with. Each reading error has a wire name, the
// errorCode a host puts in its error reply (wire_error_code).

#include <string_view>
#include <system_error>

namespace storemesh::services::control_path {

enum class protocol_errc {
  /// A frame does not start with "SMCP" (wire: "malformed").
  bad_magic = 1,
  /// The version byte is not 1 (wire: "bad_version").
  bad_version,
  /// The type byte is neither 1 (request) nor 2 (reply), or is a type this
  /// endpoint does not accept (wire: "unknown_type").
  unknown_type,
  /// The flags are not zero: no flag is defined in version 1 (wire: "malformed").
  bad_flags,
  /// The body length in the header exceeds the reader's maximum; decided
  /// from the header alone, before any of the body is read (wire: "oversize").
  oversize,
  /// The body is not a Cap'n Proto message of the frame's type, or a field
  /// breaks a rule (a request id that is not 16 bytes) (wire: "malformed").
  malformed,
  /// Encoding: the message does not fit the body limit, or a field breaks a
  /// rule (the request id is not 16 bytes).
  bad_message,
};

const std::error_category& protocol_category() noexcept;

inline std::error_code make_error_code(protocol_errc e) noexcept { return {static_cast<int>(e), protocol_category()}; }

/// The errorCode of the reply a host sends for a reading error:
/// "malformed", "oversize", "bad_version" or "unknown_type".
[[nodiscard]] std::string_view wire_error_code(protocol_errc e) noexcept;

} // namespace storemesh::services::control_path

template <>
struct std::is_error_code_enum<storemesh::services::control_path::protocol_errc> : std::true_type {};
