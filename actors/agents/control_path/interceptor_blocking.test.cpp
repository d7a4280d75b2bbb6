// interceptor with handlers that block (an FC exchange, a forward to another
// host): pass-through and other connections go on; past the queue, "busy";
// an idle control connection is closed at the read timeout. No test waits a
// fixed time for something to happen: handlers are held on a gate.

#include "actors/agents/control_path/control_client.hpp"
#include "actors/agents/control_path/interceptor.hpp"
#include "actors/agents/control_path/test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>

using namespace storemesh::agents::control_path;
using namespace storemesh::agents::control_path::testing;
using namespace std::chrono_literals;

namespace {

// Holds every handler until open(); counts who entered.
struct gate {
  std::mutex m;
  std::condition_variable cv;
  bool opened = false;
  int entered = 0;

  void wait() {
    std::unique_lock lock(m);
    ++entered;
    cv.notify_all();
    cv.wait(lock, [&] { return opened; });
  }
  void open() {
    std::lock_guard lock(m);
    opened = true;
    cv.notify_all();
  }
  bool wait_entered(int n) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, 20s, [&] { return entered >= n; });
  }
};

control_request request_for(std::uint8_t k) {
  control_request r;
  r.id.fill(k);
  r.operation = "inquiry";
  return r;
}

control_handler gated(gate& g) {
  return [&g](const control_request& r) {
    g.wait();
    control_reply out;
    out.ok = true;
    out.message = r.operation;
    return out;
  };
}

} // namespace

BOOST_AUTO_TEST_CASE(a_blocked_handler_does_not_stall_pass_through_traffic) {
  test_server upstream(
      [](tcp::socket& s) {
        std::uint8_t buf[16 * 1024];
        boost::system::error_code ec;
        for (std::size_t n; (n = s.read_some(asio::buffer(buf), ec)) > 0 || !ec;) asio::write(s, asio::buffer(buf, n));
        s.shutdown(tcp::socket::shutdown_send, ec);
      },
      2);
  gate g;
  interceptor_options o;
  o.upstream = upstream.endpoint();
  o.workers = 1;
  auto i = interceptor::start(o, gated(g)).value();
  const std::string at = "127.0.0.1:" + std::to_string(i->port());
  auto blocked = std::async(std::launch::async, [&] { return call(at, request_for(1), 30s); });
  BOOST_REQUIRE(g.wait_entered(1));  // the only worker is held
  for (int k = 0; k < 2; ++k) {      // two whole pass-through connections meanwhile
    asio::io_context io;
    auto c = connect_to(io, i->port());
    const auto sent = random_bytes(1u << 20, static_cast<std::uint32_t>(10 + k));
    std::thread writer([&] {
      asio::write(c, asio::buffer(sent));
      c.shutdown(tcp::socket::shutdown_send);
    });
    const auto got = read_to_eof(c);
    writer.join();
    BOOST_TEST((got == sent));
  }
  BOOST_TEST((blocked.wait_for(0s) == std::future_status::timeout));  // still held
  g.open();
  const auto r = blocked.get();
  BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message()));
  BOOST_TEST(r.value().ok);
}

BOOST_AUTO_TEST_CASE(past_the_queue_a_request_is_answered_busy_in_its_place) {
  gate g;
  interceptor_options o;
  o.workers = 1;
  o.queue_limit = 1;
  auto i = interceptor::start(o, gated(g)).value();
  auto c = control_connection::open("127.0.0.1:" + std::to_string(i->port()), 5s).value();
  BOOST_REQUIRE(c.send(request_for(1), 5s));
  BOOST_REQUIRE(g.wait_entered(1));  // 1 runs
  BOOST_REQUIRE(c.send(request_for(2), 5s));  // 2 waits in the queue
  BOOST_REQUIRE(c.send(request_for(3), 5s));  // 3: no room
  // 3's "busy" is ready first, but goes out after 1 and 2: wait for it to be counted.
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (i->counters().busy == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(5ms);
  BOOST_REQUIRE(i->counters().busy == 1u);
  g.open();
  std::vector<control_reply> got;
  for (int k = 0; k < 3; ++k) got.push_back(c.receive(20s).value());
  BOOST_TEST((got[0].ok && got[0].id == request_for(1).id));
  BOOST_TEST((got[1].ok && got[1].id == request_for(2).id));
  BOOST_TEST(!got[2].ok);
  BOOST_TEST(got[2].error_code == "busy");
  BOOST_TEST((got[2].id == request_for(3).id));
  // The connection goes on: the client retries 3 with the same id.
  const auto retry = c.call(request_for(3), 20s);
  BOOST_REQUIRE(retry);
  BOOST_TEST(retry.value().ok);
  BOOST_TEST(i->counters().requests == 3u);
}

BOOST_AUTO_TEST_CASE(a_handler_that_throws_is_answered_handler_failed) {
  auto i = interceptor::start(interceptor_options{}, [](const control_request&) -> control_reply {
             throw std::runtime_error("the FC link is down");
           }).value();
  const auto r = call("127.0.0.1:" + std::to_string(i->port()), request_for(7), 20s);
  BOOST_REQUIRE(r);
  BOOST_TEST(!r.value().ok);
  BOOST_TEST(r.value().error_code == "handler_failed");
  BOOST_TEST(r.value().message == "the FC link is down");
  BOOST_TEST((r.value().id == request_for(7).id));
}

BOOST_AUTO_TEST_CASE(a_control_connection_idle_past_the_read_timeout_is_closed) {
  interceptor_options o;
  o.read_timeout = 200ms;
  auto i = interceptor::start(o, [](const control_request&) { return control_reply{}; }).value();
  asio::io_context io;
  auto c = connect_to(io, i->port());
  asio::write(c, asio::buffer(std::string("SMCP\x01\x01")));  // half a header, then nothing
  boost::system::error_code ec;
  const auto t0 = std::chrono::steady_clock::now();
  const auto got = read_to_eof(c, &ec);
  BOOST_TEST(got.empty());
  BOOST_TEST((ec == asio::error::eof || ec == asio::error::connection_reset));
  BOOST_TEST((std::chrono::steady_clock::now() - t0 < 15s));  // not the test's 20 s receive timeout
  BOOST_TEST(i->counters().control_connections == 1u);
}

BOOST_AUTO_TEST_CASE(connections_past_max_connections_are_closed_on_accept) {
  interceptor_options o;
  o.max_connections = 1;
  o.classify_timeout = 60s;  // the first connection stays undecided, holding its place, for the whole test
  const refusing_port down;
  o.upstream = down.endpoint();
  auto i = interceptor::start(o, [](const control_request&) { return control_reply{}; }).value();
  asio::io_context io;
  auto first = connect_to(io, i->port());  // holds the one place (undecided: sends nothing)
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (i->counters().accepted == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(5ms);
  auto second = connect_to(io, i->port());
  boost::system::error_code ec;
  read_to_eof(second, &ec);
  BOOST_TEST((ec == asio::error::eof || ec == asio::error::connection_reset));
  BOOST_TEST(i->counters().over_limit == 1u);
}

BOOST_AUTO_TEST_CASE(bad_options_are_refused) {
  const control_handler h = [](const control_request&) { return control_reply{}; };
  interceptor_options o;
  o.workers = 0;
  BOOST_TEST(!interceptor::start(o, h));
  BOOST_TEST(!interceptor::start(interceptor_options{}, control_handler{}));
  interceptor_options bad_listen;
  bad_listen.listen = "127.0.0.1";
  BOOST_TEST(!interceptor::start(bad_listen, h));
  interceptor_options bad_upstream;
  bad_upstream.upstream = "127.0.0.1:0";
  BOOST_TEST(!interceptor::start(bad_upstream, h));
}

BOOST_AUTO_TEST_CASE(a_frame_cut_short_by_the_clients_close_is_answered_malformed) {
  std::atomic<int> calls{0};
  auto i = interceptor::start(interceptor_options{}, [&](const control_request&) {
             ++calls;
             return control_reply{};
           }).value();
  asio::io_context io;
  auto c = connect_to(io, i->port());
  auto frame = storemesh::services::control_path::encode_request(request_for(1)).value();
  asio::write(c, asio::buffer(frame.data(), frame.size() - 3));
  c.shutdown(tcp::socket::shutdown_send);
  storemesh::services::control_path::frame_decoder d;
  const auto got = read_to_eof(c);
  d.feed(got.data(), got.size());
  const auto r = d.next();
  BOOST_REQUIRE(r && r.value());
  const auto& reply = std::get<control_reply>(*r.value());
  BOOST_TEST(reply.error_code == "malformed");
  BOOST_TEST(reply.message.find("bytes into a frame") != std::string::npos);
  BOOST_TEST(calls == 0);
}

BOOST_AUTO_TEST_CASE(a_connection_never_has_more_than_pipeline_depth_requests_in_the_handler) {
  std::atomic<int> now{0}, most{0};
  interceptor_options o;
  o.workers = 4;
  o.pipeline_depth = 2;
  auto i = interceptor::start(o, [&](const control_request& r) {
             const int n = ++now;
             for (int m = most; n > m && !most.compare_exchange_weak(m, n);) {
             }
             std::this_thread::sleep_for(2ms);  // long enough for 4 workers to overlap, were they given the chance
             --now;
             control_reply out;
             out.ok = true;
             return out;
           }).value();
  auto c = control_connection::open("127.0.0.1:" + std::to_string(i->port()), 5s).value();
  for (std::uint8_t k = 0; k < 20; ++k) BOOST_REQUIRE(c.send(request_for(k), 5s));  // all in the socket at once
  for (std::uint8_t k = 0; k < 20; ++k) {
    const auto r = c.receive(20s);
    BOOST_REQUIRE(r);
    BOOST_TEST((r.value().id == request_for(k).id));
  }
  BOOST_TEST(most <= 2);
  BOOST_TEST(most >= 1);
}
