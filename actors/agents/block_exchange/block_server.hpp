#pragma once
// An HTTP server for the trustless gateway (services/consensus/content/
// trustless_gateway.hpp): any HTTP client, curl or an IPFS tool fetches a
// block with
//
//   curl -H 'Accept: application/vnd.ipld.raw' http://127.0.0.1:PORT/ipfs/CID
//
// Boost.Beast on its own io_context and thread(s); the handler calls the
// block source on those threads, so the source must be thread-safe
// (object_store is). HTTP/1.1 with keep-alive.
//
// Bounds, so a slow or hostile client cannot hold it: a request's header
// (request line included) is at most max_header_bytes, a body at most 1 KiB
// (GET and HEAD have none; anything else is answered 405), each request must
// arrive and its response be sent within request_timeout (an idle keep-alive
// connection is closed after it), and at most max_connections are open at
// once (more are closed on accept).
//
//   auto store = object_store::open(dir).value();
//   auto server = block_server::start([store](const cid& c) { return store.get(c); }).value();
//   server->port();   // the bound port (options.port 0 picks a free one)
//   server->stop();   // or the destructor
//
// Optionally (options.on_post) it also takes POSTs, for what a router adds to
// its store (`POST /api/v0/add`, actors/agents/router): the body is
// bounded by max_post_bytes (413 above it) and the handler answers; it runs on
// one of the server's threads (which it holds until it returns: give the
// server more than one if the handler may wait), so it must be thread-safe. Without a handler
// a POST is 405, as before.

#include "events/error.hpp"
#include "services/consensus/content/trustless_gateway.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace storemesh::agents::block_exchange {

/// A POST's answer: the handler's status, content type and body.
struct post_answer {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};
/// (target, body) -> answer; target is the request target ("/api/v0/add").
using post_handler = std::function<post_answer(std::string_view target, std::string body)>;

struct block_server_options {
  std::string address = "127.0.0.1";  ///< loopback by default
  std::uint16_t port = 0;             ///< 0: any free port
  unsigned threads = 1;
  std::chrono::milliseconds request_timeout{10'000};
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_connections = 64;
  post_handler on_post;                   ///< empty: POST is 405
  std::size_t max_post_bytes = 4u << 20;  ///< a POST's body (4 MiB: the largest topology file)
};

class block_server {
public:
  /// Binds, listens and starts serving; listen_failed if it cannot bind.
  [[nodiscard]] static result<std::unique_ptr<block_server>> start(services::consensus::gateway_block_source blocks,
                                                                   block_server_options opts = {});
  ~block_server();  ///< stop()
  block_server(const block_server&) = delete;
  block_server& operator=(const block_server&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] const std::string& address() const { return address_; }
  /// Stops accepting, closes every connection and joins the threads. Idempotent.
  void stop();

private:
  struct impl;
  explicit block_server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
  std::uint16_t port_ = 0;
  std::string address_;
};

} // namespace storemesh::agents::block_exchange
