#include "actors/agents/tunnel/tunnel_endpoint.hpp"

#include "actors/agents/tunnel/stream_io.hpp"
#include "services/tunnels/noise/noise_errc.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <poll.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace storemesh::agents::tunnel {

namespace asio = boost::asio;
using asio::ip::tcp;
using noise::noise_errc;

namespace {

std::string address_of(const tcp::endpoint& e) { return e.address().to_string() + ":" + std::to_string(e.port()); }

tunnel_info info_of(const tcp::socket& s, const noise::tunnel_session& session, bool initiator) {
  boost::system::error_code ec;
  tunnel_info i;
  i.peer_key_hex = noise::to_hex(session.remote_static());
  i.handshake_hash_hex = noise::to_hex(session.handshake_hash());
  i.local_address = address_of(s.local_endpoint(ec));
  i.remote_address = address_of(s.remote_endpoint(ec));
  i.initiator = initiator;
  return i;
}

void report_refused(const tunnel_options& opts, const std::string& remote, const error& e) {
  if (opts.observer && opts.observer->refused) opts.observer->refused(remote, e);
}

} // namespace

result<noise::tunnel_session> handshake_on(int fd, bool initiator, const tunnel_options& opts) {
  const auto deadline = steady::now() + opts.handshake_timeout;
  SM_TRY(auto hs, noise::tunnel_handshake::create(initiator, opts.identity));
  noise::bytes buf(4096);
  for (;;) {
    SM_TRY(auto out, hs.output());
    if (!out.empty()) SM_TRYV(write_all(fd, out.data(), out.size(), deadline));
    if (hs.finished()) break;
    SM_TRY(auto n, read_some(fd, buf.data(), buf.size(), deadline));
    if (n == 0) return make_error(noise_errc::io_error, "peer ended the stream during the handshake");
    SM_TRYV(hs.feed(buf.data(), n));
  }
  return hs.into_session(opts.rekey, noise::tunnel_clock::now(), opts.max_message);
}

result<std::shared_ptr<tunnel>> connect_tunnel(const std::string& host, std::uint16_t port,
                                               const tunnel_options& opts) {
  asio::io_context io;
  tcp::socket socket(io);
  boost::system::error_code ec = asio::error::would_block;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  const std::string target = host + ":" + std::to_string(port);
  if (ec) return make_error(noise_errc::io_error, "resolve " + target + ": " + ec.message());
  ec = asio::error::would_block;
  asio::async_connect(socket, endpoints, [&](const boost::system::error_code& e, const tcp::endpoint&) { ec = e; });
  io.run_for(opts.handshake_timeout);
  if (ec == asio::error::would_block) {
    error e = make_error(noise_errc::timeout, "connect " + target);
    report_refused(opts, target, e);
    return e;
  }
  if (ec) return make_error(noise_errc::io_error, "connect " + target + ": " + ec.message());
  socket.set_option(tcp::no_delay(true), ec);
  auto session = handshake_on(socket.native_handle(), true, opts);
  if (!session) {
    error e = session.error();
    e.detail = target + (e.detail.empty() ? "" : ": " + e.detail);
    report_refused(opts, target, e);
    return e;
  }
  auto info = info_of(socket, session.value(), true);
  return make_tunnel(socket.release(), std::move(session).value(), std::move(info), opts);
}

struct tunnel_listener::impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  tunnel_options opts;
  on_tunnel_fn on_tunnel;
  std::atomic<bool> stopping{false};
  std::thread accept_thread;
  std::mutex mu;
  struct handshake_thread {
    std::thread t;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::list<handshake_thread> handshakes;

  void accept_loop();
  void serve(tcp::socket socket, std::shared_ptr<std::atomic<bool>> done);
  void reap(bool all);
};

void tunnel_listener::impl::accept_loop() {
  while (!stopping) {
    // Polled with a short timeout so stop() needs no cross-thread call into asio.
    pollfd p{acceptor.native_handle(), POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    boost::system::error_code ec;
    tcp::socket socket(io);
    acceptor.accept(socket, ec);
    if (ec) continue;
    reap(false);
    auto done = std::make_shared<std::atomic<bool>>(false);
    std::lock_guard lock(mu);
    handshakes.push_back({std::thread([this, s = std::move(socket), done]() mutable { serve(std::move(s), done); }), done});
  }
}

void tunnel_listener::impl::serve(tcp::socket socket, std::shared_ptr<std::atomic<bool>> done) {
  boost::system::error_code ec;
  const std::string remote = address_of(socket.remote_endpoint(ec));
  socket.set_option(tcp::no_delay(true), ec);
  auto session = handshake_on(socket.native_handle(), false, opts);
  if (!session) {
    report_refused(opts, remote, session.error());
  } else {
    auto info = info_of(socket, session.value(), false);
    auto t = make_tunnel(socket.release(), std::move(session).value(), std::move(info), opts);
    if (t && on_tunnel) on_tunnel(std::move(t).value());
  }
  *done = true;
}

void tunnel_listener::impl::reap(bool all) {
  std::lock_guard lock(mu);
  for (auto it = handshakes.begin(); it != handshakes.end();) {
    if (all || *it->done) {
      it->t.join();
      it = handshakes.erase(it);
    } else {
      ++it;
    }
  }
}

tunnel_listener::tunnel_listener(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

tunnel_listener::~tunnel_listener() { stop(); }

result<std::unique_ptr<tunnel_listener>> tunnel_listener::listen(const std::string& host, std::uint16_t port,
                                                                 tunnel_options opts, on_tunnel_fn on_tunnel) {
  auto p = std::make_unique<impl>();
  p->opts = std::move(opts);
  p->on_tunnel = std::move(on_tunnel);
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(host, ec);
  if (ec) return make_error(noise_errc::io_error, "address " + host + ": " + ec.message());
  tcp::endpoint ep(addr, port);
  p->acceptor.open(ep.protocol(), ec);
  if (!ec) p->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) p->acceptor.bind(ep, ec);
  if (!ec) p->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return make_error(noise_errc::io_error, "listen on " + address_of(ep) + ": " + ec.message());
  const auto bound = p->acceptor.local_endpoint(ec).port();
  std::unique_ptr<tunnel_listener> l(new tunnel_listener(std::move(p)));
  l->port_ = bound;
  l->impl_->accept_thread = std::thread([raw = l->impl_.get()] { raw->accept_loop(); });
  return l;
}

void tunnel_listener::stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  impl_->reap(true);
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
}

} // namespace storemesh::agents::tunnel
