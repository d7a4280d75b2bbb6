#pragma once
// Conditions the Noise handshake and the tunnel transport report. Every one of
// them ends the handshake or the tunnel: Noise has no way to resynchronise a
// cipher state after a failure, so the caller closes and starts again.

#include <system_error>

namespace storemesh::tunnels::noise {

enum class noise_errc {
  /// A message's authentication tag does not verify: it was altered, replayed
  /// into another handshake or session, or encrypted under another key.
  decrypt_failed = 1,
  /// A handshake message is shorter than its tokens need, or longer than 65535.
  malformed_message,
  /// write_message/read_message called out of turn (a message fed twice, a
  /// write when a read is due, anything after the handshake ended or failed).
  out_of_order,
  /// The remote static key is not on the allow-list (detail: its hex).
  peer_not_allowed,
  /// A DH result was all zeros: the peer sent a low-order point.
  bad_public_key,
  /// A cipher state reached nonce 2^64-1, which Noise reserves: no more
  /// messages may be sent or received under this key.
  nonce_exhausted,
  /// The configuration cannot work (an unknown pattern, a missing key).
  bad_config,
  /// A transport frame is garbled: too short, unknown type, a message larger
  /// than the receiver accepts.
  bad_frame,
  /// The tunnel was closed (by us, the peer's close message, or the stream
  /// ending); detail: the reason.
  closed,
  /// A handshake or receive deadline passed.
  timeout,
  /// The byte stream failed (connect, read, write).
  io_error,
};

const std::error_category& noise_category() noexcept;

inline std::error_code make_error_code(noise_errc e) noexcept {
  return {static_cast<int>(e), noise_category()};
}

} // namespace storemesh::tunnels::noise

template <>
struct std::is_error_code_enum<storemesh::tunnels::noise::noise_errc> : std::true_type {};
