#pragma once
// interceptor: a host's TCP listener (loopback) in front of an original
// upstream service. Each accepted connection is classified by its first
// bytes (services/control_path/control_protocol.hpp, classify):
//
//   accepted -> classifying --"SMCP"------------------> control
//                    |--other bytes, EOF or timeout--> pass-through
//
//   pass-through  connect to the upstream and relay both directions
//                 byte-identical until both sides closed; a half-close
//                 (EOF one way) is passed on as shutdown(send), the other
//                 way goes on. One fixed buffer per direction: a slow side
//                 slows the other, nothing queues. The buffer is a pipe the
//                 bytes are splice(2)d through (no copy to user space; two
//                 pipes, four descriptors, per connection) unless
//                 relay_splice is off or no pipe can be had, then a
//                 read/write buffer. Upstream down: the client is closed.
//   control       request frames (FORMAT.md) go to the handler, one reply
//                 frame each, in request order (pipelining allowed). Bad
//                 input (malformed, oversize, bad_version, unknown_type) gets
//                 one error reply (ok=false, the code, a message) after the
//                 replies to the requests before it, then the connection is
//                 closed; the handler never sees it.
//
// The handler may block for seconds: it runs on `workers` threads, off the io
// thread, so pass-through traffic and other connections go on meanwhile. At
// most `queue_limit` requests (all connections) wait for a worker; one more is
// answered at once with errorCode "busy" (the client retries with the same
// request id). A connection with `pipeline_depth` requests unanswered is not
// read until one is answered (TCP flow control pushes back on the client).
// The reply's request id is always the request's. A handler that throws is
// answered with errorCode "handler_failed".
//
// Bounds: a frame's body at most max_body (refused from its header); a control
// connection idle for read_timeout with nothing in progress is closed; at most
// max_connections at once (more are closed on accept).
//
//   auto i = interceptor::start(opts, [](const control_request& r) { ... return reply; }).value();
//   i->port();      // the bound port ("127.0.0.1:0" picks a free one)
//   i->counters();  // any thread
//   i->stop();      // or the destructor; waits for running handlers

#include "events/error.hpp"
#include "services/control_path/control_protocol.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace storemesh::agents::control_path {

using services::control_path::control_reply;
using services::control_path::control_request;

struct interceptor_state;

/// Answers one request. Called on a worker thread, concurrently with itself
/// (when workers > 1): it must be thread-safe.
using control_handler = std::function<control_reply(const control_request&)>;

struct interceptor_options {
  std::string listen = "127.0.0.1:0";  ///< HOST:PORT to listen on; port 0: any free one
  std::string upstream;                ///< HOST:PORT of the original service pass-through goes to
  std::size_t max_body = services::control_path::default_max_body;
  std::chrono::milliseconds classify_timeout{2000};  ///< fewer than 4 bytes by then: pass-through
  std::chrono::milliseconds read_timeout{30'000};    ///< a control connection idle this long is closed
  unsigned workers = 2;              ///< threads running the handler
  std::size_t queue_limit = 64;      ///< requests waiting for a worker, beyond: "busy"
  std::size_t pipeline_depth = 16;   ///< a connection's unanswered requests before it is not read
  std::size_t max_connections = 256;
  std::size_t relay_buffer = 64 * 1024;  ///< per direction of a pass-through connection
  bool relay_splice = true;  ///< pass-through by splice(2) through a pipe (no copy); false: read/write
};

/// Monotonic counts since start.
struct interceptor_counters {
  std::uint64_t accepted = 0;
  std::uint64_t over_limit = 0;                ///< closed on accept (max_connections)
  std::uint64_t control_connections = 0;
  std::uint64_t pass_through_connections = 0;
  std::uint64_t upstream_failures = 0;         ///< pass-through clients closed: upstream unreachable
  std::uint64_t requests = 0;                  ///< handed to the handler
  std::uint64_t replies = 0;                   ///< reply frames handed to the socket (error replies included)
  std::uint64_t refused = 0;                   ///< bad input answered with an error reply
  std::uint64_t busy = 0;                      ///< requests answered "busy"
  std::uint64_t bytes_to_upstream = 0;         ///< pass-through, client -> upstream
  std::uint64_t bytes_to_client = 0;           ///< pass-through, upstream -> client
};

class interceptor {
public:
  /// Binds and serves; bad_endpoint (listen or upstream), listen_failed, bad_option.
  [[nodiscard]] static result<std::unique_ptr<interceptor>> start(interceptor_options opts, control_handler handler);
  ~interceptor();  ///< stop()
  interceptor(const interceptor&) = delete;
  interceptor& operator=(const interceptor&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] interceptor_counters counters() const;
  /// Stops accepting, closes every connection, waits for running handlers,
  /// joins the threads. Idempotent.
  void stop();

  struct impl;

private:
  explicit interceptor(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
  std::shared_ptr<interceptor_state> state_;  // the counters, readable after stop()
  std::uint16_t port_ = 0;
};

} // namespace storemesh::agents::control_path
