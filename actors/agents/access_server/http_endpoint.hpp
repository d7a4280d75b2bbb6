#pragma once
// The access server's HTTP/1.1 endpoint (Boost.Beast), on loopback by
// default; curl is a client as good as `storemesh put`:
//
//   PUT /v1/files/SHARE/PATH   X-Storemesh-Session: ID, Content-Length (required),
//                              optional X-Content-SHA256 (lets a cached verdict stand)
//        201 + the access record (JSON) | 4xx/5xx + {"error","message"}
//   GET /v1/files/SHARE/PATH   X-Storemesh-Session: ID
//        200 + the bytes, X-Storemesh-Access: the access record | 4xx/5xx
//   GET /v1/status             scanner, cache, quarantine, pending scans, counters
//
// Bodies stream: a put's chunks go to disk (and clamd) as they arrive, a
// get's file is sent from the descriptor that was scanned. Bounds: the
// request head (8 KiB by default), each read or write step (idle_timeout),
// the number of connections; anything else is answered 4xx and closed.
// The service's calls block (disk, clamd, the log): they run on the
// endpoint's own threads, `threads` of them.

#include "actors/agents/access_server/access_service.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace storemesh::agents::access_server {

struct http_options {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  ///< 0: any free port
  unsigned threads = 8;
  std::chrono::milliseconds idle_timeout{30'000};
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_connections = 64;
};

class http_endpoint {
public:
  /// Binds; serves only after serve().
  [[nodiscard]] static result<std::unique_ptr<http_endpoint>> bind(http_options o);
  ~http_endpoint();
  http_endpoint(const http_endpoint&) = delete;
  http_endpoint& operator=(const http_endpoint&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  void serve(access_service& svc);
  void stop();

  struct impl;

private:
  explicit http_endpoint(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
  std::uint16_t port_ = 0;
};

/// "%2F" and friends decoded; false on a bad escape or a NUL.
[[nodiscard]] bool percent_decode(std::string_view in, std::string& out);

} // namespace storemesh::agents::access_server
