#pragma once
// An open tunnel over TCP: a Noise session (services/tunnels/noise) on a
// connected socket, with a reader thread that opens incoming frames into a
// queue. Made by connect_tunnel() or a tunnel_listener, always after a
// completed handshake whose peer passed the allow-list.
//
// Thread safety: send() and close() may be called from any thread;
// receive() from any thread (each message is delivered once). Sealing is
// serialised by a mutex; opening happens on the reader thread only.

#include "actors/agents/tunnel/tunnel_options.hpp"
#include "events/error.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

namespace storemesh::agents::tunnel {

class tunnel {
public:
  /// Takes an open socket descriptor (owned from now on) and a finished handshake's session.
  tunnel(int fd, noise::tunnel_session session, tunnel_info info, const tunnel_options& opts);
  ~tunnel();  ///< close("released"), then waits for the reader thread
  tunnel(const tunnel&) = delete;
  tunnel& operator=(const tunnel&) = delete;

  [[nodiscard]] const tunnel_info& info() const { return info_; }

  /// Seals and writes one message (rekeying first when the schedule says so).
  /// Fails with `closed` once the tunnel is closed; a write failure closes it.
  [[nodiscard]] result<void> send(const std::uint8_t* p, std::size_t n);
  [[nodiscard]] result<void> send(std::string_view s) {
    return send(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  }
  /// The next message; nothing if none came within timeout; `closed` (detail:
  /// the reason) once the tunnel is closed and every message before the close
  /// was received.
  [[nodiscard]] result<std::optional<noise::bytes>> receive(std::chrono::milliseconds timeout);
  /// Sends the close message with reason (best effort) and closes the socket.
  void close(const std::string& reason);
  [[nodiscard]] bool is_open() const { return !closed_.load(); }
  [[nodiscard]] std::string close_reason() const;
  [[nodiscard]] std::uint64_t rekeys_sent() const { return rekeys_sent_.load(); }
  [[nodiscard]] std::uint64_t rekeys_received() const { return rekeys_received_.load(); }

private:
  void start_reader();  // called once by the factories
  void read_loop();
  /// Marks the tunnel closed (first reason wins), wakes everyone, tells the observer.
  void finish(const std::string& reason);
  [[nodiscard]] bool mark_closed(const std::string& reason);  ///< true the first time only
  void after_close(const std::string& reason);                ///< wake, shut the socket, tell the observer

  int fd_;
  tunnel_info info_;
  tunnel_options opts_;
  noise::tunnel_session session_;  // seal side under send_mu_, open side on the reader thread
  std::mutex send_mu_;
  std::atomic<std::uint64_t> rekeys_sent_{0}, rekeys_received_{0};

  mutable std::mutex mu_;  // guards the queue and the reason
  std::condition_variable cv_;
  std::deque<noise::bytes> queue_;
  std::string reason_;
  std::atomic<bool> closed_{false};
  std::thread reader_;

  friend result<std::shared_ptr<tunnel>> make_tunnel(int, noise::tunnel_session, tunnel_info, const tunnel_options&);
};

/// Wraps a finished handshake's socket and session into a running tunnel and
/// tells the observer it opened (used by connect_tunnel and tunnel_listener).
[[nodiscard]] result<std::shared_ptr<tunnel>> make_tunnel(int fd, noise::tunnel_session session, tunnel_info info,
                                                          const tunnel_options& opts);

} // namespace storemesh::agents::tunnel
