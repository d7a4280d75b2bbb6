// Pass-through: the client's connection relayed to the upstream, both ways,
// byte-identical. Each direction is read into its own fixed buffer, written
// out whole, then read again: at most relay_buffer bytes per direction are
// ever held, and a slow reader slows its writer through TCP flow control.
//
//   connecting -> relaying (two pumps) -> closed
//   a pump at EOF: shutdown(send) on the other socket, that pump is done;
//   both done, or any error (reset, upstream down): both sockets closed.

#include "actors/agents/control_path/interceptor_state.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

namespace storemesh::agents::control_path {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

class relay : public std::enable_shared_from_this<relay> {
public:
  relay(connection_slot slot, tcp::socket client, bytes initial, bool client_eof)
      : slot_(std::move(slot)),
        client_(std::move(client)),
        upstream_(*slot_.state().io),
        initial_(std::move(initial)),
        client_eof_(client_eof),
        to_upstream_buf_(slot_.state().opts.relay_buffer),
        to_client_buf_(slot_.state().opts.relay_buffer) {}

  void start() {
    auto& s = slot_.state();
    if (s.upstream.empty()) return fail_upstream();
    asio::async_connect(upstream_, s.upstream, [self = shared_from_this()](error_code ec, const tcp::endpoint&) {
      if (ec) return self->fail_upstream();
      error_code ignored;
      self->upstream_.set_option(tcp::no_delay(true), ignored);  // relay as the client wrote, no added delay
      self->send_initial();
      self->pump(self->upstream_, self->client_, self->to_client_buf_, false);
    });
  }

private:
  // Upstream unreachable: the client learns it the only way a byte stream
  // can tell, its connection closes.
  void fail_upstream() {
    slot_.state().upstream_failures.fetch_add(1);
    close();
  }

  // The bytes classification read go first, then the client's stream.
  void send_initial() {
    if (initial_.empty()) return after_initial();
    asio::async_write(upstream_, asio::buffer(initial_), [self = shared_from_this()](error_code ec, std::size_t n) {
      if (ec) return self->close();
      self->slot_.state().bytes_to_upstream.fetch_add(n);
      self->initial_.clear();
      self->initial_.shrink_to_fit();
      self->after_initial();
    });
  }

  void after_initial() {
    if (client_eof_) return half_closed(upstream_, true);
    pump(client_, upstream_, to_upstream_buf_, true);
  }

  void pump(tcp::socket& from, tcp::socket& to, bytes& buf, bool upward) {
    from.async_read_some(asio::buffer(buf), [self = shared_from_this(), &from, &to, &buf, upward](error_code ec, std::size_t n) {
      if (ec == asio::error::eof) return self->half_closed(to, upward);
      if (ec) return self->close();
      asio::async_write(to, asio::buffer(buf.data(), n), [self, &from, &to, &buf, upward](error_code ec, std::size_t n) {
        if (ec) return self->close();
        (upward ? self->slot_.state().bytes_to_upstream : self->slot_.state().bytes_to_client).fetch_add(n);
        self->pump(from, to, buf, upward);
      });
    });
  }

  // One direction ended: the other side learns it as EOF, and may go on
  // sending the other way.
  void half_closed(tcp::socket& to, bool upward) {
    error_code ignored;
    to.shutdown(tcp::socket::shutdown_send, ignored);
    (upward ? up_done_ : down_done_) = true;
    if (up_done_ && down_done_) close();
  }

  void close() {
    error_code ignored;
    client_.close(ignored);
    upstream_.close(ignored);
  }

  connection_slot slot_;
  tcp::socket client_, upstream_;
  bytes initial_;
  bool client_eof_;
  bytes to_upstream_buf_, to_client_buf_;
  bool up_done_ = false, down_done_ = false;
};

} // namespace

void start_relay(connection_slot slot, tcp::socket client, bytes initial, bool client_eof) {
  std::make_shared<relay>(std::move(slot), std::move(client), std::move(initial), client_eof)->start();
}

} // namespace storemesh::agents::control_path
