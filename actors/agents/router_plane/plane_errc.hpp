#pragma once
// What starting and steering a router's data plane can fail with. Datagrams
// themselves never fail a call: a bad one is a drop, counted and logged
// (datagram_plane.hpp).

#include <system_error>

namespace storemesh::actors::router_plane {

enum class plane_errc {
  /// A UDP endpoint is not "A.B.C.D:PORT" or "localhost:PORT" (the detail has it).
  bad_endpoint = 1,
  /// The UDP socket could not be opened, configured or bound (the detail has the endpoint and errno).
  bind_failed,
  /// The receive log could not be opened for appending.
  log_failed,
  /// Epoch 0 means "unstamped" on the wire: no table can be installed or stamped under it.
  epoch_zero,
  /// stamp_with an epoch this router has no table for (install it first).
  not_installed,
  /// Sending datagrams failed (the traffic tool: the detail has errno).
  send_failed,
  /// An option is out of range (a rate, a payload size, a count).
  bad_option,
};

const std::error_category& plane_category() noexcept;

inline std::error_code make_error_code(plane_errc e) noexcept { return {static_cast<int>(e), plane_category()}; }

} // namespace storemesh::actors::router_plane

template <>
struct std::is_error_code_enum<storemesh::actors::router_plane::plane_errc> : std::true_type {};
