#pragma once
// How a udp_batch_socket reads and sends (udp_batch.hpp), apart from it so
// that datagram_plane.hpp's users do not include Boost.Asio.

#include <chrono>
#include <cstddef>

namespace storemesh::actors::router_plane {

struct udp_batch_options {
  std::size_t batch_size = 64;           ///< datagrams per recvmmsg / sendmmsg
  std::size_t max_rounds = 16;           ///< batches in a row before timers get their turn
  std::size_t max_receive_bytes = 2048;  ///< per datagram (SMDG is at most 1400)
  int buffer_bytes = 4 << 20;            ///< SO_RCVBUF and SO_SNDBUF asked for
  std::chrono::milliseconds send_wait{1000};  ///< how long a full send buffer is waited for
};

} // namespace storemesh::actors::router_plane
