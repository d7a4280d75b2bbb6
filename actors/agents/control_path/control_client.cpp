// control_client: blocking calls built from Asio's asynchronous operations,
// each run on a private io_context until it completes or its deadline passes
// (then it is cancelled and reported as timed_out). Blocking sockets have no
// per-call deadline; SO_RCVTIMEO would not cover connect.

#include "actors/agents/control_path/control_client.hpp"

#include "actors/agents/control_path/control_errc.hpp"
#include "actors/agents/control_path/endpoint.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <optional>

namespace storemesh::agents::control_path {

namespace asio = boost::asio;
namespace cp = services::control_path;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using clock = std::chrono::steady_clock;

struct control_connection::impl {
  asio::io_context io;
  tcp::socket socket{io};
  std::string endpoint;
  cp::frame_decoder decoder;
  std::array<std::uint8_t, 16 * 1024> chunk{};

  impl(std::string ep, std::size_t max_body) : endpoint(std::move(ep)), decoder(max_body) {}

  // Starts an operation with a completion (error_code, size_t) and runs the
  // io_context until it completes; at the deadline it is cancelled and
  // timed_out returned instead. n: bytes transferred.
  template <class Start>
  error_code run(clock::time_point deadline, std::size_t& n, Start&& start) {
    std::optional<error_code> done;
    start([&](error_code ec, std::size_t k) {
      done = ec;
      n = k;
    });
    io.restart();
    while (!done && io.run_one_until(deadline) > 0) {
    }
    if (done) return *done;
    error_code ignored;
    socket.cancel(ignored);
    while (!done) io.run_one();  // the cancelled operation completes; its handler refers to `done`
    return asio::error::timed_out;
  }

  error make(control_errc e, const std::string& what) const { return make_error(e, endpoint + ": " + what); }
};

control_connection::control_connection(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
control_connection::control_connection(control_connection&&) noexcept = default;
control_connection& control_connection::operator=(control_connection&&) noexcept = default;
control_connection::~control_connection() = default;

result<control_connection> control_connection::open(const std::string& endpoint, std::chrono::milliseconds timeout,
                                                    std::size_t max_body) {
  const auto deadline = clock::now() + timeout;
  SM_TRY(auto at, resolve(endpoint));
  auto p = std::make_unique<impl>(endpoint, max_body);
  std::size_t n = 0;
  const auto ec = p->run(deadline, n, [&](auto done) {
    asio::async_connect(p->socket, at, [done](error_code ec, const tcp::endpoint&) mutable { done(ec, 0); });
  });
  if (ec == asio::error::timed_out)
    return p->make(control_errc::timed_out, "no connection within " + std::to_string(timeout.count()) + " ms");
  if (ec) return p->make(control_errc::connect_failed, ec.message());
  error_code ignored;
  p->socket.set_option(tcp::no_delay(true), ignored);  // one small frame per call: no Nagle delay
  return control_connection(std::move(p));
}

result<void> control_connection::send(const control_request& r, std::chrono::milliseconds timeout) {
  auto frame = cp::encode_request(r);
  if (!frame) return make_error(control_errc::bad_request, frame.error().message());
  std::size_t n = 0;
  const auto ec = impl_->run(clock::now() + timeout, n, [&](auto done) {
    asio::async_write(impl_->socket, asio::buffer(frame.value()), done);
  });
  if (ec == asio::error::timed_out)
    return impl_->make(control_errc::timed_out, "request not sent within " + std::to_string(timeout.count()) + " ms");
  if (ec) return impl_->make(control_errc::connection_broken, "sending the request: " + ec.message());
  return success();
}

result<control_reply> control_connection::receive(std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  auto& i = *impl_;
  for (;;) {
    auto f = i.decoder.next();
    if (!f) return i.make(control_errc::bad_reply, f.error().message());
    if (f.value()) {
      if (auto* reply = std::get_if<control_reply>(&*f.value())) return std::move(*reply);
      return i.make(control_errc::bad_reply, "a request frame where a reply was expected");
    }
    std::size_t n = 0;
    const auto ec = i.run(deadline, n, [&](auto done) { i.socket.async_read_some(asio::buffer(i.chunk), done); });
    if (ec == asio::error::timed_out)
      return i.make(control_errc::timed_out, "no reply within " + std::to_string(timeout.count()) + " ms");
    if (ec == asio::error::eof)
      return i.make(control_errc::connection_closed,
                    i.decoder.buffered() ? "closed after " + std::to_string(i.decoder.buffered()) + " bytes of a reply"
                                         : "closed before replying");
    if (ec) return i.make(control_errc::connection_broken, "reading the reply: " + ec.message());
    i.decoder.feed(i.chunk.data(), n);
  }
}

result<control_reply> control_connection::call(const control_request& r, std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  SM_TRYV(send(r, timeout));
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());  // never short of the deadline
  SM_TRY(auto reply, receive(std::max(left, std::chrono::milliseconds(0))));
  if (reply.id && *reply.id != r.id) return impl_->make(control_errc::bad_reply, "a reply to another request id");
  return reply;
}

result<control_reply> call(const std::string& endpoint, const control_request& r, std::chrono::milliseconds timeout,
                           std::size_t max_body) {
  const auto deadline = clock::now() + timeout;
  SM_TRY(auto c, control_connection::open(endpoint, timeout, max_body));
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());  // never short of the deadline
  return c.call(r, std::max(left, std::chrono::milliseconds(0)));
}

} // namespace storemesh::agents::control_path
