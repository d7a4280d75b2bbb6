// control_client against real sockets: a round trip through an interceptor,
// and every way a call fails, as a value with the step it failed at.

#include "actors/agents/control_path/control_client.hpp"
#include "actors/agents/control_path/control_errc.hpp"
#include "actors/agents/control_path/interceptor.hpp"
#include "actors/agents/control_path/test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <future>

using namespace storemesh::agents::control_path;
using namespace storemesh::agents::control_path::testing;
using namespace std::chrono_literals;
namespace cp = storemesh::services::control_path;

namespace {

control_request sample() {
  control_request r;
  r.id.fill(0x42);
  r.storage = "array-1";
  r.operation = "report-luns";
  return r;
}

// Reads one whole request frame from s (the server side of a test).
void read_request(tcp::socket& s) {
  cp::frame_decoder d;
  std::uint8_t buf[4096];
  for (;;) {
    const auto n = s.read_some(asio::buffer(buf));
    d.feed(buf, n);
    if (d.next().value()) return;
  }
}

} // namespace

BOOST_AUTO_TEST_CASE(a_call_through_an_interceptor_returns_the_handlers_reply) {
  auto i = interceptor::start(interceptor_options{}, [](const control_request& r) {
             control_reply out;
             out.ok = true;
             out.scsi_status = 0;
             out.data = {1, 2, 3};
             out.detail = r.operation + " on " + r.storage;
             return out;
           }).value();
  const auto r = call("127.0.0.1:" + std::to_string(i->port()), sample(), 20s);
  BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message()));
  BOOST_TEST(r.value().ok);
  BOOST_TEST((r.value().id == sample().id));
  BOOST_TEST((r.value().data == bytes{1, 2, 3}));
  BOOST_TEST(r.value().detail == "report-luns on array-1");
  const auto by_name = call("localhost:" + std::to_string(i->port()), sample(), 20s);
  BOOST_TEST(by_name.has_value());
}

BOOST_AUTO_TEST_CASE(nothing_listening_is_connect_failed) {
  const refusing_port nobody;
  const auto r = call(nobody.endpoint(), sample(), 5s);
  BOOST_REQUIRE(!r);
  BOOST_TEST((r.error().code == control_errc::connect_failed));
  BOOST_TEST(r.error().message().find("127.0.0.1:") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_server_that_closes_mid_reply_is_connection_closed_with_the_bytes_it_sent) {
  test_server server([](tcp::socket& s) {
    read_request(s);
    control_reply reply;
    reply.id = sample().id;
    reply.ok = true;
    reply.data.assign(1000, 7);
    const auto f = cp::encode_reply(reply).value();
    asio::write(s, asio::buffer(f.data(), f.size() / 2));
    s.shutdown(tcp::socket::shutdown_send);
  });
  const auto r = call(server.endpoint(), sample(), 20s);
  BOOST_REQUIRE(!r);
  BOOST_TEST((r.error().code == control_errc::connection_closed));
  BOOST_TEST(r.error().detail.find("bytes of a reply") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_server_that_closes_without_replying_is_connection_closed) {
  test_server server([](tcp::socket& s) {
    read_request(s);
    s.shutdown(tcp::socket::shutdown_send);
  });
  const auto r = call(server.endpoint(), sample(), 20s);
  BOOST_REQUIRE(!r);
  BOOST_TEST((r.error().code == control_errc::connection_closed));
  BOOST_TEST(r.error().detail.find("before replying") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_server_that_never_replies_is_timed_out_at_the_deadline) {
  std::promise<void> done;
  auto finished = done.get_future();
  test_server server([&](tcp::socket& s) {
    read_request(s);
    finished.wait();  // holds the connection open, silent
  });
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = call(server.endpoint(), sample(), 300ms);
  const auto took = std::chrono::steady_clock::now() - t0;
  done.set_value();
  BOOST_REQUIRE(!r);
  BOOST_TEST((r.error().code == control_errc::timed_out));
  BOOST_TEST((took >= 300ms));
  BOOST_TEST((took < 10s));
}

BOOST_AUTO_TEST_CASE(bytes_that_are_not_the_reply_are_bad_reply) {
  test_server garbage([](tcp::socket& s) {
    read_request(s);
    asio::write(s, asio::buffer(std::string("HTTP/1.1 400 Bad Request\r\n\r\n")));
  });
  const auto r = call(garbage.endpoint(), sample(), 20s);
  BOOST_REQUIRE(!r);
  BOOST_TEST((r.error().code == control_errc::bad_reply));

  test_server other_id([](tcp::socket& s) {
    read_request(s);
    control_reply reply;
    reply.id.emplace();
    reply.id->fill(0x99);
    asio::write(s, asio::buffer(cp::encode_reply(reply).value()));
  });
  const auto o = call(other_id.endpoint(), sample(), 20s);
  BOOST_REQUIRE(!o);
  BOOST_TEST((o.error().code == control_errc::bad_reply));
  BOOST_TEST(o.error().detail.find("another request id") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_endpoints_and_oversize_requests_fail_before_any_byte_is_sent) {
  for (const std::string e : {"127.0.0.1", "127.0.0.1:", ":80", "127.0.0.1:99999", "127.0.0.1:x", "no-such-host.invalid:80"}) {
    const auto r = call(e, sample(), 5s);
    BOOST_REQUIRE(!r);
    BOOST_TEST((r.error().code == control_errc::bad_endpoint), e);
  }
  auto i = interceptor::start(interceptor_options{}, [](const control_request&) { return control_reply{}; }).value();
  auto big = sample();
  big.args.assign(1, std::string(70 * 1024, 'a'));
  const auto r = call("127.0.0.1:" + std::to_string(i->port()), big, 5s);
  BOOST_REQUIRE(!r);
  BOOST_TEST((r.error().code == control_errc::bad_request));
  BOOST_TEST(i->counters().requests == 0u);
}
