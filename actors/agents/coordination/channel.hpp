#pragma once
// One open, authenticated link to another coordination process: a Noise
// tunnel over TCP in production (tunnel_channel.hpp). The peer and the
// director are written against this, not against sockets, so their logic is
// the same whatever carries the bytes.

#include "events/error.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace storemesh::actors::coordination {

class channel {
public:
  virtual ~channel() = default;
  /// One message; thread-safe (heartbeats and responses interleave).
  [[nodiscard]] virtual result<void> send(std::string_view message) = 0;
  /// The next message, or nullopt after `timeout`; one reader thread only. An
  /// error: the link is gone (closed, broken, or refused bad input).
  [[nodiscard]] virtual result<std::optional<std::string>> receive(std::chrono::milliseconds timeout) = 0;
  virtual void close(std::string_view reason) = 0;
  /// The remote's static public key (hex): who it is, as the handshake proved.
  [[nodiscard]] virtual std::string peer_key() const = 0;
  /// The Noise handshake hash (hex): what the events record of this tunnel.
  [[nodiscard]] virtual std::string handshake_hash() const = 0;
};

} // namespace storemesh::actors::coordination
