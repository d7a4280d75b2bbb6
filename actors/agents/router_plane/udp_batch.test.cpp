// udp_batch_socket: the loop reads on while datagrams are queued, however
// many turns that takes; endpoints parse or are refused.

#include "actors/agents/router_plane/plane_errc.hpp"
#include "actors/agents/router_plane/udp_batch.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <thread>

using namespace storemesh::actors::router_plane;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

struct counting_handler final : udp_batch_socket::handler {
  std::atomic<std::size_t> received{0};
  void on_batch(udp_batch_socket::received*, std::size_t n, std::vector<udp_batch_socket::outgoing>&) override {
    received += n;
  }
};

} // namespace

// 100 datagrams queued before the loop runs, read 8 per turn (batches of 4,
// two in a row): the loop goes on by itself (Asio's epoll is edge-triggered),
// it does not wait for a 101st datagram.
BOOST_AUTO_TEST_CASE(datagrams_queued_beyond_one_turn_are_all_read_without_a_new_arrival) {
  udp_batch_options o;
  o.batch_size = 4;
  o.max_rounds = 2;
  auto s = udp_batch_socket::open(udp_endpoint(asio::ip::address_v4::loopback(), 0), o);
  BOOST_REQUIRE(s);
  auto& sock = *s.value();
  {
    asio::io_context io;
    asio::ip::udp::socket sender(io, asio::ip::udp::v4());
    const std::uint8_t byte = 1;
    for (int i = 0; i < 100; ++i)
      sender.send_to(asio::buffer(&byte, 1), udp_endpoint(asio::ip::address_v4::loopback(), sock.port()));
  }
  counting_handler h;
  sock.run(h, "test-loop");
  const auto give_up = std::chrono::steady_clock::now() + 5s;
  while (h.received < 100 && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(1ms);
  sock.stop();
  BOOST_TEST(h.received == 100u);
  BOOST_TEST(sock.receive_buffer_bytes() >= (1 << 20));  // big buffers were granted (the kernel doubles the request)
}

BOOST_AUTO_TEST_CASE(endpoints_parse_or_are_refused_with_bad_endpoint) {
  BOOST_TEST(parse_udp_endpoint("127.0.0.1:4000").value().port() == 4000u);
  BOOST_TEST(parse_udp_endpoint("localhost:0").value().address().to_string() == "127.0.0.1");
  for (const char* bad : {"127.0.0.1", ":80", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:x", "host:80", "1.2.3:80", "127.0.0.1:-1"}) {
    const auto r = parse_udp_endpoint(bad);
    BOOST_TEST_CONTEXT(bad) {
      BOOST_REQUIRE(!r);
      BOOST_TEST((r.error().code == plane_errc::bad_endpoint));
    }
  }
}
