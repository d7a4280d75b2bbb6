// Pass-through: the client's connection relayed to the upstream, both ways,
// byte-identical. Each direction has one fixed buffer: a pipe the bytes are
// splice(2)d through (relay_splice, the default: they never enter user
// space), or a user-space buffer they are read into and written out from.
// Either way at most relay_buffer bytes per direction are held, and a slow
// reader slows its writer through TCP flow control.
//
//   connecting -> relaying (two pumps) -> closed
//   a pump at EOF: shutdown(send) on the other socket, that pump is done;
//   both done, or any error (reset, upstream down): both sockets closed.

#include "actors/agents/control_path/interceptor_state.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace storemesh::agents::control_path {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// One direction's pipe for splice(2): what it holds between the two splices.
struct pipe_pair {
  int r = -1, w = -1;
  std::size_t size = 0;  // its capacity
  std::size_t held = 0;  // bytes in it, not yet spliced out
  ~pipe_pair() {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
  }
  // false when no pipe can be had (descriptors exhausted): relay by copy then.
  bool open(std::size_t want) {
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return false;
    r = fds[0];
    w = fds[1];
    // The capacity is the direction's buffer; the kernel may round it up to
    // pages or refuse above pipe-max-size (then the default 64 KiB stays).
    const int got = ::fcntl(w, F_SETPIPE_SZ, static_cast<int>(want));
    size = got > 0 ? static_cast<std::size_t>(got) : static_cast<std::size_t>(::fcntl(w, F_GETPIPE_SZ));
    return true;
  }
};

class relay : public std::enable_shared_from_this<relay> {
public:
  relay(connection_slot slot, tcp::socket client, bytes initial, bool client_eof)
      : slot_(std::move(slot)),
        client_(std::move(client)),
        upstream_(*slot_.state().io),
        initial_(std::move(initial)),
        client_eof_(client_eof) {
    const auto n = slot_.state().opts.relay_buffer;
    splice_ = slot_.state().opts.relay_splice && up_.open(n) && down_.open(n);
    if (!splice_) {
      to_upstream_buf_.resize(n);
      to_client_buf_.resize(n);
    }
  }

  void start() {
    auto& s = slot_.state();
    if (s.upstream.empty()) return fail_upstream();
    asio::async_connect(upstream_, s.upstream, [self = shared_from_this()](error_code ec, const tcp::endpoint&) {
      if (ec) return self->fail_upstream();
      error_code ignored;
      self->upstream_.set_option(tcp::no_delay(true), ignored);  // relay as the client wrote, no added delay
      // splice(2) on the descriptors must not block the io thread.
      self->upstream_.native_non_blocking(true, ignored);
      self->client_.native_non_blocking(true, ignored);
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
      self->count(true, n);
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
    if (splice_) return splice_step(upward ? up_ : down_, from, to, upward, 0);
    from.async_read_some(asio::buffer(buf), [self = shared_from_this(), &from, &to, &buf, upward](error_code ec, std::size_t n) {
      if (ec == asio::error::eof) return self->half_closed(to, upward);
      if (ec) return self->close();
      asio::async_write(to, asio::buffer(buf.data(), n), [self, &from, &to, &buf, upward](error_code ec, std::size_t n) {
        if (ec) return self->close();
        self->count(upward, n);
        self->pump(from, to, buf, upward);
      });
    });
  }

  // The zero-copy way: socket -> pipe -> socket with splice(2), the pipe
  // (relay_buffer bytes) the direction's only buffer; the bytes never enter
  // user space. Waits for readiness with Asio, moves bytes with splice.
  // `turns` bounds the bytes moved in one go so one fast connection does not
  // starve the others on the io thread.
  void splice_step(pipe_pair& p, tcp::socket& from, tcp::socket& to, bool upward, int turns) {
    constexpr unsigned flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;
    for (; turns < 16; ++turns) {
      if (p.held > 0) {
        const ssize_t n = ::splice(p.r, nullptr, to.native_handle(), nullptr, p.held, flags);
        if (n > 0) {
          p.held -= static_cast<std::size_t>(n);
          count(upward, static_cast<std::size_t>(n));
          continue;
        }
        if (n < 0 && errno == EAGAIN)
          return to.async_wait(tcp::socket::wait_write, [self = shared_from_this(), &p, &from, &to, upward](error_code ec) {
            if (ec) return self->close();
            self->splice_step(p, from, to, upward, 0);
          });
        return close();  // the receiver reset or went away
      }
      const ssize_t n = ::splice(from.native_handle(), nullptr, p.w, nullptr, p.size, flags);
      if (n > 0) {
        p.held = static_cast<std::size_t>(n);
        continue;
      }
      if (n == 0) return half_closed(to, upward);
      if (errno == EAGAIN)
        return from.async_wait(tcp::socket::wait_read, [self = shared_from_this(), &p, &from, &to, upward](error_code ec) {
          if (ec) return self->close();
          self->splice_step(p, from, to, upward, 0);
        });
      return close();
    }
    asio::post(*slot_.state().io, [self = shared_from_this(), &p, &from, &to, upward] { self->splice_step(p, from, to, upward, 0); });
  }

  void count(bool upward, std::size_t n) {
    (upward ? slot_.state().bytes_to_upstream : slot_.state().bytes_to_client).fetch_add(n);
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
  bool splice_ = false;
  pipe_pair up_, down_;                    // splice: client -> upstream, upstream -> client
  bytes to_upstream_buf_, to_client_buf_;  // copy
  bool up_done_ = false, down_done_ = false;
};

} // namespace

void start_relay(connection_slot slot, tcp::socket client, bytes initial, bool client_eof) {
  std::make_shared<relay>(std::move(slot), std::move(client), std::move(initial), client_eof)->start();
}

} // namespace storemesh::agents::control_path
