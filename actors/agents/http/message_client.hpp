#pragma once
// The client side of message_server: one request, one answer, over a fresh
// loopback connection, every step bounded by `timeout`. A connection that
// cannot be made is an error value (the caller tells "edge down" from "edge
// answered no" by it); any HTTP status is a reply.

#include "events/error.hpp"

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace storemesh::agents::http {

struct reply {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  ///< names in lower case
  std::string body;
};

struct call {
  std::string method = "GET";
  std::string endpoint;  ///< host:port
  std::string target;    ///< "/v1/..."
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{10'000};
  std::uint64_t max_reply_bytes = 256ull << 20;
};

[[nodiscard]] result<reply> send(const call& c);

} // namespace storemesh::agents::http
