#pragma once
// What the control path's sockets can fail with: starting an interceptor,
// and a client's call to a host. Bad input from a peer is not an error of
// a call: the interceptor answers it with an error reply (interceptor.hpp).

#include <system_error>

namespace storemesh::agents::control_path {

enum class control_errc {
  /// An endpoint is not "HOST:PORT", or HOST does not resolve (the detail has it).
  bad_endpoint = 1,
  /// The listening socket could not be opened, bound or put to listen.
  listen_failed,
  /// An option is out of range (zero workers, a zero max body ...).
  bad_option,
  /// Nothing accepted the connection (refused, unreachable).
  connect_failed,
  /// The call did not complete within its timeout (the detail says at which step).
  timed_out,
  /// The host closed the connection before the whole reply arrived.
  connection_closed,
  /// The connection was reset, or another socket error broke it.
  connection_broken,
  /// The host answered with something that is not the reply to the request:
  /// bytes that are not a reply frame, or a reply to another request id.
  bad_reply,
  /// The request cannot be encoded (larger than the body limit).
  bad_request,
};

const std::error_category& control_category() noexcept;

inline std::error_code make_error_code(control_errc e) noexcept { return {static_cast<int>(e), control_category()}; }

} // namespace storemesh::agents::control_path

template <>
struct std::is_error_code_enum<storemesh::agents::control_path::control_errc> : std::true_type {};
