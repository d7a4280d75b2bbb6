#pragma once
// Opening tunnels over TCP: connect_tunnel() (we are the Noise initiator)
// and tunnel_listener (responder, one thread per incoming handshake). Both
// bound the whole handshake by options.handshake_timeout and refuse peers
// whose static key the identity's allow-list rejects; a refusal or timeout
// is reported to observer->refused and the socket is closed.

#include "actors/agents/tunnel/tunnel.hpp"

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>

namespace storemesh::agents::tunnel {

/// Connects to host:port and runs the handshake; the tunnel is open on success.
[[nodiscard]] result<std::shared_ptr<tunnel>> connect_tunnel(const std::string& host, std::uint16_t port,
                                                             const tunnel_options& opts);

class tunnel_listener {
public:
  using on_tunnel_fn = std::function<void(std::shared_ptr<tunnel>)>;

  /// Listens on host:port (port 0: any free port, see port()). on_tunnel gets
  /// every tunnel whose handshake succeeded, on that connection's thread.
  [[nodiscard]] static result<std::unique_ptr<tunnel_listener>> listen(const std::string& host, std::uint16_t port,
                                                                       tunnel_options opts, on_tunnel_fn on_tunnel);
  ~tunnel_listener();  ///< stop()
  [[nodiscard]] std::uint16_t port() const { return port_; }
  /// Stops accepting and waits for handshakes in progress (at most the
  /// handshake timeout). Tunnels already handed out stay open.
  void stop();

private:
  struct impl;
  explicit tunnel_listener(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
  std::uint16_t port_ = 0;
};

/// The handshake on a connected descriptor, bounded by a deadline (shared by
/// both ends; exposed for tests that drive a raw socket).
[[nodiscard]] result<noise::tunnel_session> handshake_on(int fd, bool initiator, const tunnel_options& opts);

} // namespace storemesh::agents::tunnel
