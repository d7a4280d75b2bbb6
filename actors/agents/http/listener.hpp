#pragma once
// A TCP listener on its own threads (Boost.Asio): binds, accepts on a
// strand, hands each accepted socket to its protocol with a slot that counts
// it against the bound on connections (a socket over the bound is closed at
// once). What every endpoint of ours needs before its first byte: the
// access server's streaming endpoint and the message server share it.

#include "events/error.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace storemesh::agents::http {

/// Held by a connection for its lifetime: it counts against max_connections.
class connection_slot {
public:
  connection_slot() = default;
  explicit connection_slot(std::shared_ptr<std::atomic<std::size_t>> n) : n_(std::move(n)) {}
  connection_slot(connection_slot&&) = default;
  connection_slot& operator=(connection_slot&&) = default;
  ~connection_slot() {
    if (n_)
      n_->fetch_sub(1);
  }

private:
  std::shared_ptr<std::atomic<std::size_t>> n_;
};

class listener {
public:
  using on_socket = std::function<void(boost::asio::ip::tcp::socket, connection_slot)>;

  /// Binds and listens (SO_REUSEADDR); accepts only after start().
  [[nodiscard]] static result<std::unique_ptr<listener>> bind(const std::string& address, std::uint16_t port);
  ~listener();
  listener(const listener&) = delete;
  listener& operator=(const listener&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  /// Accepts until stop(), on `threads` threads that also run every
  /// connection's handlers; each socket within `max_connections` goes to `f`
  /// on a strand of its own.
  void start(unsigned threads, std::size_t max_connections, on_socket f);
  /// Stops accepting and every connection's I/O; joins the threads.
  void stop();

private:
  listener() = default;
  void accept();

  boost::asio::io_context ioc_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::shared_ptr<std::atomic<std::size_t>> connections_ = std::make_shared<std::atomic<std::size_t>>(0);
  std::size_t max_connections_ = 0;
  on_socket on_socket_;
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;
};

} // namespace storemesh::agents::http
