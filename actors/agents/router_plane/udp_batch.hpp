#pragma once
// udp_batch: one UDP socket served in batches on its own Asio io thread, the
// loop the data plane and its benchmark's plain relay share (so the benchmark's
// ratio is the cost of routing, not of a different loop).
//
//   wait readable (async_wait) -> recvmmsg up to batch_size datagrams
//     -> handler.on_batch(received, outgoing)   what to send, where
//     -> sendmmsg(outgoing)                      in order, one call per batch
//     -> handler.on_sent(outgoing, errors)       0 or an errno per datagram
//     -> again while a full batch came; after max_rounds, other handlers
//        (timers) get a turn, then it reads on; it waits again only once a
//        read came back short
//
// The socket is non-blocking. A send that finds the socket buffer full
// (EAGAIN) waits for it to drain (poll, up to send_wait in all) rather than
// dropping: on loopback that is a burst the receiver has not read yet. Both
// buffers are asked for buffer_bytes (the kernel caps them at
// net.core.rmem_max / wmem_max, 4 MiB here; it doubles what it grants for its
// bookkeeping), so a burst of a few thousand datagrams is not lost while the
// loop is busy. A datagram larger than max_receive_bytes is cut to it (such a
// datagram is refused anyway, as longer than any SMDG datagram).
//
// Threads: the handler runs on the io thread only. start/stop from one
// controlling thread; stop is idempotent and joins the thread.

#include "events/error.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace storemesh::actors::router_plane {

using udp_endpoint = boost::asio::ip::udp::endpoint;

/// "A.B.C.D:PORT" (IPv4) or "localhost:PORT"; PORT 0 .. 65535. bad_endpoint otherwise.
[[nodiscard]] result<udp_endpoint> parse_udp_endpoint(std::string_view text);

struct udp_batch_options {
  std::size_t batch_size = 64;           ///< datagrams per recvmmsg / sendmmsg
  std::size_t max_rounds = 16;           ///< batches in a row before timers get their turn
  std::size_t max_receive_bytes = 2048;  ///< per datagram (SMDG is at most 1400)
  int buffer_bytes = 4 << 20;            ///< SO_RCVBUF and SO_SNDBUF asked for
  std::chrono::milliseconds send_wait{1000};  ///< how long a full send buffer is waited for
};

class udp_batch_socket {
public:
  struct received {
    std::uint8_t* data;  // the loop's buffer: the handler may patch it in place
    std::size_t size;
  };
  struct outgoing {
    const std::uint8_t* data;  // owned by the handler until on_sent returns
    std::size_t size;
    const udp_endpoint* to;    // likewise
    std::size_t tag;           // the handler's (e.g. which received datagram)
  };
  struct handler {
    virtual ~handler() = default;
    virtual void on_batch(received* in, std::size_t n, std::vector<outgoing>& out) = 0;
    /// errors[i]: 0 when out[i] was sent, else its errno.
    virtual void on_sent(const std::vector<outgoing>& out, const std::vector<int>& errors) {}
  };

  /// Opens and binds the socket (bind_failed with the reason); the loop does not run yet.
  [[nodiscard]] static result<std::unique_ptr<udp_batch_socket>> open(const udp_endpoint& bind,
                                                                      udp_batch_options opts = {});
  ~udp_batch_socket();  ///< stop()
  udp_batch_socket(const udp_batch_socket&) = delete;
  udp_batch_socket& operator=(const udp_batch_socket&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  /// What the kernel granted (getsockopt), for diagnostics.
  [[nodiscard]] int receive_buffer_bytes() const noexcept { return rcvbuf_; }
  /// The io_context the loop runs on: add timers to it before run().
  [[nodiscard]] boost::asio::io_context& context() noexcept { return io_; }
  /// Starts the io thread, serving datagrams to `h` (which must outlive stop()).
  void run(handler& h, std::string thread_name);
  /// Stops the loop and joins the thread; pending work is abandoned. Idempotent.
  void stop();

private:
  explicit udp_batch_socket(udp_batch_options opts);
  void arm();
  void serve();
  [[nodiscard]] bool drain();  // true: stopped after max_rounds full batches
  void send_all();

  udp_batch_options opts_;
  boost::asio::io_context io_;
  boost::asio::ip::udp::socket socket_;
  handler* handler_ = nullptr;
  std::thread thread_;
  bool stopped_ = false;
  std::uint16_t port_ = 0;
  int rcvbuf_ = 0;
  struct buffers;
  std::unique_ptr<buffers> buf_;
};

} // namespace storemesh::actors::router_plane
