#pragma once
// For the control path's tests only: blocking loopback sockets with a
// receive timeout (so a broken test fails instead of hanging), a server that
// runs a function per accepted connection on its own thread, random bytes.

#include <boost/asio.hpp>

#include <sys/socket.h>
#include <sys/time.h>

#include <cstdint>
#include <functional>
#include <random>
#include <thread>
#include <vector>

namespace storemesh::agents::control_path::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using bytes = std::vector<std::uint8_t>;

inline void receive_timeout(tcp::socket& s, int seconds) {
  timeval tv{seconds, 0};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

inline tcp::socket connect_to(asio::io_context& io, std::uint16_t port) {
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
  receive_timeout(s, 20);
  return s;
}

/// Everything until EOF (or an error: reset, the receive timeout).
inline bytes read_to_eof(tcp::socket& s, boost::system::error_code* error = nullptr) {
  bytes out;
  std::uint8_t buf[64 * 1024];
  for (;;) {
    boost::system::error_code ec;
    const auto n = s.read_some(asio::buffer(buf), ec);
    out.insert(out.end(), buf, buf + n);
    if (ec) {
      if (error) *error = ec;
      return out;
    }
  }
}

inline bytes random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  bytes out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  out[0] = 'X';  // never mistaken for "SMCP"
  return out;
}

/// Listens on loopback; runs serve(socket) for each accepted connection on a
/// thread of its own, up to `connections`; joined by the destructor.
class test_server {
public:
  explicit test_server(std::function<void(tcp::socket&)> serve, int connections = 1)
      : acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this, serve = std::move(serve), connections] {
      std::vector<std::thread> served;
      for (int i = 0; i < connections; ++i) {
        boost::system::error_code ec;
        tcp::socket s(io_);
        acceptor_.accept(s, ec);
        if (ec) break;
        receive_timeout(s, 20);
        served.emplace_back([&serve, s = std::move(s)]() mutable { serve(s); });
      }
      for (auto& t : served) t.join();
    });
  }
  ~test_server() {
    boost::system::error_code ignored;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes a blocked accept
    thread_.join();
  }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

/// A loopback port on which nothing listens: bound by a socket that never
/// listens, so connecting is refused, and held for the object's lifetime, so
/// no other socket (another test's, another process's) can take it meanwhile.
class refusing_port {
public:
  refusing_port() : s_(io_) {
    s_.open(tcp::v4());
    s_.bind(tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  }
  [[nodiscard]] std::uint16_t port() const { return s_.local_endpoint().port(); }
  [[nodiscard]] std::string endpoint() const { return "127.0.0.1:" + std::to_string(port()); }

private:
  asio::io_context io_;
  tcp::socket s_;
};

} // namespace storemesh::agents::control_path::testing
