#pragma once
// The reference of bench_control_path's round-trip rows: a plain TCP server
// on loopback (Boost.Asio, one io thread) that reads requests of a fixed
// size and answers each with a reply of a fixed size, with no protocol at
// all. Shared by the interceptor rows and the full-path rows (--remote).

#include <boost/asio.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace storemesh::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// The reference: reads `in` bytes, writes `out` bytes, for ever, per connection.
class echo_server {
public:
  echo_server(std::size_t in, std::size_t out) : acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)), in_(in), reply_(out, 0x20) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~echo_server() {
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

private:
  // Reads what has arrived, answers every whole request in it with one
  // write (as the interceptor batches its replies), keeps the remainder.
  struct conn : std::enable_shared_from_this<conn> {
    tcp::socket s;
    echo_server& server;
    std::vector<std::uint8_t> buf = std::vector<std::uint8_t>(64 * 1024);
    std::vector<std::uint8_t> out;
    std::size_t pending = 0;  // bytes of a request not yet complete
    conn(tcp::socket sock, echo_server& e) : s(std::move(sock)), server(e) {}
    void next() {
      s.async_read_some(asio::buffer(buf), [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
        if (ec) return;
        self->pending += n;
        const std::size_t whole = self->pending / self->server.in_;
        self->pending %= self->server.in_;
        if (whole == 0) return self->next();
        self->out.clear();
        for (std::size_t k = 0; k < whole; ++k) self->out.insert(self->out.end(), self->server.reply_.begin(), self->server.reply_.end());
        asio::async_write(self->s, asio::buffer(self->out), [self](boost::system::error_code ec, std::size_t) {
          if (!ec) self->next();
        });
      });
    }
  };
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec) return;
      s.set_option(tcp::no_delay(true));
      std::make_shared<conn>(std::move(s), *this)->next();
      accept();
    });
  }
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::size_t in_;
  std::vector<std::uint8_t> reply_;
  std::thread thread_;
};

} // namespace storemesh::bench
