#pragma once
// An HTTP/1.1 server (Boost.Beast) for requests and answers that fit in
// memory: a slice, a segment, a status. Every request is bounded (its head,
// its body, each read and write step, the connections at once) and anything
// over a bound is answered 4xx and closed. The handler may block (a disk
// write, the log deciding a command): it runs on the server's own threads.
// The access server streams whole files and keeps its own endpoint
// (access_server/http_endpoint); anything that exchanges messages uses this.

#include "events/error.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace storemesh::agents::http {

struct request {
  std::string method;  ///< "GET", "PUT", ...
  std::string target;  ///< as sent, not decoded
  std::string peer;    ///< the client's address
  std::map<std::string, std::string> headers;  ///< names in lower case
  std::string body;
  /// A header's value, "" when absent.
  [[nodiscard]] std::string header(const std::string& lower_name) const;
};

struct response {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

/// {"error": code, "message": message} with the status.
[[nodiscard]] response error_response(unsigned status, std::string_view code, std::string_view message);

struct server_options {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  ///< 0: any free port
  unsigned threads = 4;
  std::chrono::milliseconds idle_timeout{30'000};
  std::size_t max_header_bytes = 8 * 1024;
  std::uint64_t max_body_bytes = 1 << 20;
  std::size_t max_connections = 64;
};

/// Parses "HOST:PORT" into the options' address and port; the error says why not.
[[nodiscard]] result<void> parse_listen(const std::string& listen, server_options& o);

class message_server {
public:
  using handler = std::function<response(const request&)>;

  /// Binds; serves only after serve().
  [[nodiscard]] static result<std::unique_ptr<message_server>> bind(server_options o);
  ~message_server();
  message_server(const message_server&) = delete;
  message_server& operator=(const message_server&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  void serve(handler h);
  void stop();

  struct impl;

private:
  explicit message_server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
  std::uint16_t port_ = 0;
};

} // namespace storemesh::agents::http
