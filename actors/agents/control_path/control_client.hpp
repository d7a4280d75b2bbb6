#pragma once
// control_client: the blocking side a management client (the CLI's `storage
// control`) and a forwarding host use to talk to a host's interceptor.
// Every failure is a value with the step it happened at: nothing listening
// (connect_failed), the host closing or resetting the connection before the
// whole reply (connection_closed, connection_broken), the deadline
// (timed_out), bytes that are not the reply to this request (bad_reply).
// A reply with ok=false (the host's error reply, "busy" ...) is a reply, not
// an error: the caller reads its errorCode.
//
//   auto reply = call("127.0.0.1:7400", request, 5s);
//
// control_connection keeps one connection for several calls, or pipelines:
// send() several requests, then receive() their replies in the same order.
// Not thread-safe: one caller at a time.

#include "events/error.hpp"
#include "services/control_path/control_protocol.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace storemesh::agents::control_path {

using services::control_path::control_reply;
using services::control_path::control_request;

class control_connection {
public:
  /// Connects to HOST:PORT within `timeout`; bad_endpoint, connect_failed, timed_out.
  [[nodiscard]] static result<control_connection> open(const std::string& endpoint, std::chrono::milliseconds timeout,
                                                       std::size_t max_body = services::control_path::default_max_body);
  control_connection(control_connection&&) noexcept;
  control_connection& operator=(control_connection&&) noexcept;
  ~control_connection();

  /// Writes one request frame; bad_request (too large), timed_out, connection_broken.
  [[nodiscard]] result<void> send(const control_request& r, std::chrono::milliseconds timeout);
  /// Reads the next reply frame; timed_out, connection_closed, connection_broken, bad_reply.
  [[nodiscard]] result<control_reply> receive(std::chrono::milliseconds timeout);
  /// send, then receive; bad_reply when the reply carries another request's
  /// id (an error reply without an id is returned as it is).
  [[nodiscard]] result<control_reply> call(const control_request& r, std::chrono::milliseconds timeout);

  struct impl;

private:
  explicit control_connection(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/// One call on a connection of its own: connect, send, read one reply, close;
/// the whole within `timeout`.
[[nodiscard]] result<control_reply> call(const std::string& endpoint, const control_request& r,
                                         std::chrono::milliseconds timeout,
                                         std::size_t max_body = services::control_path::default_max_body);

} // namespace storemesh::agents::control_path
