#include "actors/agents/http/listener.hpp"

#include <boost/asio.hpp>
#include <fmt/core.h>

#include <algorithm>

namespace storemesh::agents::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

listener::~listener() { stop(); }

result<std::unique_ptr<listener>> listener::bind(const std::string& address, std::uint16_t port) {
  std::unique_ptr<listener> l(new listener());
  l->acceptor_ = std::make_unique<tcp::acceptor>(asio::make_strand(l->ioc_));
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec)
    return make_error(std::errc::invalid_argument, "address " + address + ": " + ec.message());
  const tcp::endpoint at{ip, port};
  auto fail = [&](const char* what) {
    return make_error(std::errc::address_in_use, fmt::format("{} {}:{}: {}", what, address, port, ec.message()));
  };
  auto& a = *l->acceptor_;
  if (a.open(at.protocol(), ec); ec)
    return fail("open");
  if (a.set_option(asio::socket_base::reuse_address(true), ec); ec)
    return fail("setsockopt");
  if (a.bind(at, ec); ec)
    return fail("bind");
  if (a.listen(asio::socket_base::max_listen_connections, ec); ec)
    return fail("listen");
  l->port_ = a.local_endpoint().port();
  return l;
}

void listener::start(unsigned threads, std::size_t max_connections, on_socket f) {
  max_connections_ = max_connections;
  on_socket_ = std::move(f);
  accept();
  for (unsigned t = 0; t < std::max(1u, threads); ++t)
    threads_.emplace_back([this] { ioc_.run(); });
}

void listener::accept() {
  acceptor_->async_accept(asio::make_strand(ioc_), [this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_->is_open())
      return;
    if (!ec) {
      if (connections_->fetch_add(1) < max_connections_)
        on_socket_(std::move(socket), connection_slot(connections_));
      else
        connections_->fetch_sub(1);  // over the bound: the socket closes as it goes out of scope
    }
    accept();
  });
}

void listener::stop() {
  ioc_.stop();
  for (auto& t : threads_)
    t.join();
  threads_.clear();
}

} // namespace storemesh::agents::http
