#include "actors/agents/router_plane/udp_batch.hpp"

#include "actors/agents/router_plane/plane_errc.hpp"
#include "actors/thread_name.hpp"

#include <boost/asio/post.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace storemesh::actors::router_plane {

namespace asio = boost::asio;
using asio::ip::udp;

result<udp_endpoint> parse_udp_endpoint(std::string_view text) {
  const auto bad = [&] {
    return make_error(plane_errc::bad_endpoint, "'" + std::string(text) + "' (expected A.B.C.D:PORT or localhost:PORT)");
  };
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return bad();
  const auto host = text.substr(0, colon), port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) return bad();
  if (host == "localhost") return udp_endpoint(asio::ip::address_v4::loopback(), static_cast<std::uint16_t>(port));
  boost::system::error_code err;
  const auto address = asio::ip::make_address_v4(std::string(host), err);
  if (err) return bad();
  return udp_endpoint(address, static_cast<std::uint16_t>(port));
}

// The mmsghdr arrays and the receive buffers, allocated once.
struct udp_batch_socket::buffers {
  std::vector<std::uint8_t> bytes;
  std::vector<iovec> recv_iov;
  std::vector<mmsghdr> recv_msgs;
  std::vector<received> in;
  std::vector<outgoing> out;
  std::vector<iovec> send_iov;
  std::vector<mmsghdr> send_msgs;
  std::vector<int> errors;

  explicit buffers(const udp_batch_options& o)
      : bytes(o.batch_size * o.max_receive_bytes), recv_iov(o.batch_size), recv_msgs(o.batch_size), in(o.batch_size) {
    for (std::size_t i = 0; i < o.batch_size; ++i) {
      recv_iov[i] = {bytes.data() + i * o.max_receive_bytes, o.max_receive_bytes};
      std::memset(&recv_msgs[i], 0, sizeof(mmsghdr));
      recv_msgs[i].msg_hdr.msg_iov = &recv_iov[i];
      recv_msgs[i].msg_hdr.msg_iovlen = 1;
    }
    out.reserve(o.batch_size);
  }
};

udp_batch_socket::udp_batch_socket(udp_batch_options opts) : opts_(opts), io_(1), socket_(io_) {
  if (opts_.batch_size == 0) opts_.batch_size = 1;
  if (opts_.max_rounds == 0) opts_.max_rounds = 1;
  buf_ = std::make_unique<buffers>(opts_);
}

udp_batch_socket::~udp_batch_socket() { stop(); }

result<std::unique_ptr<udp_batch_socket>> udp_batch_socket::open(const udp_endpoint& bind, udp_batch_options opts) {
  std::unique_ptr<udp_batch_socket> s(new udp_batch_socket(opts));
  const auto where = bind.address().to_string() + ":" + std::to_string(bind.port());
  boost::system::error_code ec;
  s->socket_.open(udp::v4(), ec);
  if (!ec) s->socket_.native_non_blocking(true, ec);
  if (!ec) s->socket_.set_option(asio::socket_base::receive_buffer_size(s->opts_.buffer_bytes), ec);
  if (!ec) s->socket_.set_option(asio::socket_base::send_buffer_size(s->opts_.buffer_bytes), ec);
  if (!ec) s->socket_.bind(bind, ec);
  if (ec) return make_error(plane_errc::bind_failed, where + ": " + ec.message());
  asio::socket_base::receive_buffer_size granted;
  s->socket_.get_option(granted, ec);
  s->rcvbuf_ = ec ? 0 : granted.value();
  s->port_ = s->socket_.local_endpoint(ec).port();
  if (ec) return make_error(plane_errc::bind_failed, where + ": " + ec.message());
  return s;
}

void udp_batch_socket::run(handler& h, std::string thread_name) {
  handler_ = &h;
  arm();
  thread_ = std::thread([this, name = std::move(thread_name)] {
    name_this_thread(name.c_str());
    io_.run();
  });
}

void udp_batch_socket::stop() {
  if (stopped_) return;
  stopped_ = true;
  io_.stop();
  if (thread_.joinable()) thread_.join();
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void udp_batch_socket::arm() {
  socket_.async_wait(udp::socket::wait_read, [this](const boost::system::error_code& ec) {
    if (ec) return;  // closed or cancelled: the loop is stopping
    serve();
  });
}

// After max_rounds full batches the loop yields to the other handlers (the
// log's timer) with a post and reads on; it waits for the socket only once a
// read came back short. (A wait with datagrams still queued would complete
// at once too -- Asio re-arms its edge-triggered epoll entry with
// EPOLL_CTL_MOD on every wait -- but at the cost of two more system calls.)
void udp_batch_socket::serve() {
  if (drain())
    asio::post(io_, [this] { serve(); });
  else
    arm();
}

bool udp_batch_socket::drain() {
  auto& b = *buf_;
  const int fd = socket_.native_handle();
  int errors = 0;
  for (std::size_t round = 0; round < opts_.max_rounds; ++round) {
    const int n = ::recvmmsg(fd, b.recv_msgs.data(), static_cast<unsigned>(opts_.batch_size), MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return false;  // drained
      // An error queued on the socket (ICMP) is consumed by the call that
      // reports it, and the datagrams are still there: read again, but do not
      // spin on an error that stays.
      if (++errors > 2) return false;
      continue;
    }
    if (n == 0) return false;
    for (int i = 0; i < n; ++i)
      b.in[i] = {static_cast<std::uint8_t*>(b.recv_iov[i].iov_base), b.recv_msgs[i].msg_len};
    b.out.clear();
    handler_->on_batch(b.in.data(), static_cast<std::size_t>(n), b.out);
    send_all();
    handler_->on_sent(b.out, b.errors);
    if (static_cast<std::size_t>(n) < opts_.batch_size) return false;
  }
  return true;  // max_rounds full batches: there may be more
}

void udp_batch_socket::send_all() {
  auto& b = *buf_;
  const std::size_t count = b.out.size();
  b.errors.assign(count, 0);
  if (count == 0) return;
  b.send_iov.resize(count);
  b.send_msgs.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    b.send_iov[i] = {const_cast<std::uint8_t*>(b.out[i].data), b.out[i].size};
    std::memset(&b.send_msgs[i], 0, sizeof(mmsghdr));
    auto& h = b.send_msgs[i].msg_hdr;
    h.msg_name = const_cast<sockaddr*>(b.out[i].to->data());
    h.msg_namelen = static_cast<socklen_t>(b.out[i].to->size());
    h.msg_iov = &b.send_iov[i];
    h.msg_iovlen = 1;
  }
  const int fd = socket_.native_handle();
  const auto give_up = std::chrono::steady_clock::now() + opts_.send_wait;
  std::size_t done = 0;
  while (done < count) {
    const int n = ::sendmmsg(fd, b.send_msgs.data() + done, static_cast<unsigned>(count - done), MSG_DONTWAIT);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    const int err = n == 0 ? EIO : errno;
    if (err == EINTR) continue;
    if ((err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) && std::chrono::steady_clock::now() < give_up) {
      // The send buffer is full: wait for it to drain instead of dropping the burst.
      pollfd p{fd, POLLOUT, 0};
      (void)::poll(&p, 1, 10);
      continue;
    }
    b.errors[done++] = err;  // this datagram fails (unreachable, too long, ...); the rest still go
  }
}

} // namespace storemesh::actors::router_plane
