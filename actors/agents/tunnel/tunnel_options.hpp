#pragma once
// What a tunnel endpoint (listener or connect) is configured with, and the
// observer through which the process layer records tunnel events. Observers
// see public facts only: the peer's static public key, the handshake hash,
// addresses, reasons; never a private or session key.

#include "services/tunnels/noise/tunnel_handshake.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace storemesh::agents::tunnel {

namespace noise = tunnels::noise;

/// Public facts of an open tunnel.
struct tunnel_info {
  std::string peer_key_hex;        ///< the peer's X25519 static public key
  std::string handshake_hash_hex;  ///< Noise's h: identical on both ends
  std::string local_address;       ///< "ip:port"
  std::string remote_address;      ///< "ip:port"
  bool initiator = false;          ///< we connected (true) or accepted (false)
};

enum class rekey_direction { sent, received };

/// Callbacks, each optional. They run on the tunnel's threads (its reader, a
/// sender, a listener's handshake thread): keep them short and never call
/// back into the same tunnel's close() from `closed`.
struct tunnel_observer {
  std::function<void(const tunnel_info&)> opened;
  std::function<void(const tunnel_info&, rekey_direction)> rekeyed;
  /// Exactly once per opened tunnel, with why (ours, the peer's, an error).
  std::function<void(const tunnel_info&, const std::string& reason)> closed;
  /// A handshake that failed: timeout, refused key (detail: its hex), wrong
  /// cluster, garbled message. remote_address as "ip:port".
  std::function<void(const std::string& remote_address, const error&)> refused;
};

struct tunnel_options {
  noise::tunnel_identity identity;  ///< our static key, cluster, allow-list
  noise::rekey_policy rekey;
  std::chrono::milliseconds handshake_timeout{5000};
  /// How long one send may wait for the peer to read before the tunnel closes.
  std::chrono::milliseconds send_timeout{10000};
  std::size_t max_message = 16u << 20;
  std::shared_ptr<const tunnel_observer> observer;
};

} // namespace storemesh::agents::tunnel
