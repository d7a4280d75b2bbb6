#include "actors/agents/router_plane/datagram_traffic.hpp"

#include "actors/agents/router_plane/plane_errc.hpp"
#include "actors/agents/router_plane/udp_batch.hpp"
#include "services/consensus/topology/forwarding_datagram.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

namespace storemesh::actors::router_plane {

namespace asio = boost::asio;
using namespace services::consensus;

result<traffic_summary> send_datagrams(const traffic_options& o) {
  if (o.count == 0) return make_error(plane_errc::bad_option, "count must be at least 1");
  if (!(o.rate_per_s >= 0) || std::isinf(o.rate_per_s)) return make_error(plane_errc::bad_option, "rate must be >= 0");
  if (o.payload_bytes > max_payload_bytes)
    return make_error(plane_errc::bad_option,
                      "payload of " + std::to_string(o.payload_bytes) + " bytes, at most " + std::to_string(max_payload_bytes));
  SM_TRY(const auto to, parse_udp_endpoint(o.to));

  asio::io_context io;
  asio::ip::udp::socket socket(io);
  boost::system::error_code ec;
  socket.open(asio::ip::udp::v4(), ec);
  if (!ec) socket.set_option(asio::socket_base::send_buffer_size(4 << 20), ec);
  if (ec) return make_error(plane_errc::send_failed, "socket: " + ec.message());

  // One encoded datagram; each send patches its sequence (offset 19) in place.
  forwarding_datagram d;
  d.ttl = o.ttl;
  d.destination = o.destination;
  d.source = o.source;
  d.flow = o.flow;
  d.payload.resize(o.payload_bytes);
  for (std::size_t i = 0; i < d.payload.size(); ++i) d.payload[i] = static_cast<std::uint8_t>(i * 131 + 7);
  SM_TRY(const auto wire, encode_datagram(d));
  const std::size_t burst = std::max<std::size_t>(o.burst, 1);
  std::vector<std::vector<std::uint8_t>> bufs(burst, wire);
  std::vector<iovec> iov(burst);
  std::vector<mmsghdr> msgs(burst);

  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto due_at = [&](std::uint64_t i) {
    return start + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(static_cast<double>(i) / o.rate_per_s));
  };
  traffic_summary s;
  s.first_sequence = o.first_sequence;
  const int fd = socket.native_handle();
  while (s.sent < o.count) {
    // How many are due now (all of them when unpaced), at most a burst.
    std::uint64_t due = o.count;
    if (o.rate_per_s > 0) {
      const double elapsed = std::chrono::duration<double>(clock::now() - start).count();
      due = std::min<std::uint64_t>(o.count, static_cast<std::uint64_t>(elapsed * o.rate_per_s) + 1);
      if (due <= s.sent) {
        std::this_thread::sleep_until(due_at(s.sent));
        continue;
      }
    }
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(due - s.sent, burst));
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t seq = o.first_sequence + s.sent + i;
      for (int b = 0; b < 8; ++b) bufs[i][19 + b] = static_cast<std::uint8_t>(seq >> (56 - 8 * b));
      iov[i] = {bufs[i].data(), bufs[i].size()};
      std::memset(&msgs[i], 0, sizeof(mmsghdr));
      msgs[i].msg_hdr.msg_name = const_cast<sockaddr*>(to.data());
      msgs[i].msg_hdr.msg_namelen = static_cast<socklen_t>(to.size());
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    std::size_t done = 0;
    while (done < n) {
      const int r = ::sendmmsg(fd, msgs.data() + done, static_cast<unsigned>(n - done), 0);
      if (r > 0) {
        done += static_cast<std::size_t>(r);
        continue;
      }
      if (r < 0 && errno == EINTR) continue;
      return make_error(plane_errc::send_failed, "to " + o.to + " after " + std::to_string(s.sent + done) +
                                                     " datagrams: " + std::strerror(r < 0 ? errno : EIO));
    }
    s.sent += n;
  }
  s.seconds = std::chrono::duration<double>(clock::now() - start).count();
  s.last_sequence = o.first_sequence + s.sent - 1;
  return s;
}

} // namespace storemesh::actors::router_plane
