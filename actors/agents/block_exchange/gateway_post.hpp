#pragma once
// One POST to a router's gateway (block_server with a post handler), the
// client side of `POST /api/v0/add`: the body sent, the status and
// body answered, whatever the status (the caller reads a 400's reason).
// Synchronous and bounded: connecting, sending and receiving each within
// `timeout`; an answer's body at most 64 KiB.
//
//   auto r = post(endpoint{"127.0.0.1", 8101}, "/api/v0/add", file_bytes);
//   r.value().status, r.value().body

#include "actors/agents/block_exchange/block_client.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace storemesh::agents::block_exchange {

struct post_reply {
  unsigned status = 0;
  std::string body;
};

/// Errors: exchange_errc::{connect_failed, timeout, bad_response}.
[[nodiscard]] result<post_reply> post(const endpoint& peer, std::string_view target, std::string_view body,
                                      std::chrono::milliseconds timeout = std::chrono::milliseconds{10'000});

/// "host:port" -> endpoint; bad_response (with the text) if it is not one.
[[nodiscard]] result<endpoint> parse_endpoint(std::string_view host_port);

} // namespace storemesh::agents::block_exchange
