// interceptor, on real loopback sockets: pass-through is byte-identical both
// ways (with half-close, short clients, upstream down); control requests
// reach the handler and come back in order, pipelined; every class of bad
// input gets its error reply, a close, and never reaches the handler; a
// blocked handler stalls no pass-through traffic; "busy" past the queue.

#include "actors/agents/control_path/control_client.hpp"
#include "actors/agents/control_path/interceptor.hpp"
#include "actors/agents/control_path/test_support.hpp"
#include "services/control_path/control_protocol.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>

using namespace storemesh::agents::control_path;
using namespace storemesh::agents::control_path::testing;
using namespace std::chrono_literals;
namespace cp = storemesh::services::control_path;

namespace {

control_request request_for(std::uint64_t lun, std::string op = "inquiry") {
  control_request r;
  for (std::size_t i = 0; i < r.id.size(); ++i) r.id[i] = static_cast<std::uint8_t>(lun * 31 + i);
  r.storage = "array-1";
  r.operation = std::move(op);
  r.lun = lun;
  return r;
}

// Echoes the request back in the reply, after an optional pause.
struct echo_handler {
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  std::chrono::milliseconds pause{0};
  control_reply operator()(const control_request& r) const {
    ++*calls;
    if (pause.count() > 0) std::this_thread::sleep_for(pause * static_cast<int>(r.lun % 5));  // finish out of order
    control_reply out;
    out.ok = true;
    out.message = r.operation;
    out.data.assign(reinterpret_cast<const std::uint8_t*>(&r.lun), reinterpret_cast<const std::uint8_t*>(&r.lun) + 8);
    out.path = {"host-a"};
    return out;
  }
};

std::unique_ptr<interceptor> start(interceptor_options o, control_handler h) {
  auto i = interceptor::start(std::move(o), std::move(h));
  BOOST_REQUIRE_MESSAGE(i, (i ? "" : i.error().message()));
  return std::move(i).value();
}

// The frames in `in`; fails the test on bytes that are not whole reply frames.
std::vector<control_reply> replies_in(const bytes& in) {
  cp::frame_decoder d;
  d.feed(in.data(), in.size());
  std::vector<control_reply> out;
  for (;;) {
    auto f = d.next();
    BOOST_REQUIRE_MESSAGE(f, (f ? "" : f.error().message()));
    if (!f.value()) break;
    out.push_back(std::get<control_reply>(*f.value()));
  }
  BOOST_TEST(d.buffered() == 0u);
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(pass_through_arrives_byte_identical_both_ways_across_a_half_close) {
  for (const bool splice : {true, false}) BOOST_TEST_CONTEXT("relay_splice " << splice) {
    const auto up = random_bytes(5u << 20, 1), down = random_bytes(3u << 20, 2);
    std::promise<bytes> upstream_got;
    // The upstream answers only after the client's EOF: the answer must still
    // come back through the half-closed connection.
    test_server upstream([&](tcp::socket& s) {
      upstream_got.set_value(read_to_eof(s));
      asio::write(s, asio::buffer(down));
      s.shutdown(tcp::socket::shutdown_send);
    });
    interceptor_options o;
    o.upstream = upstream.endpoint();
    o.relay_splice = splice;
    auto i = start(o, echo_handler{});
    asio::io_context io;
    auto c = connect_to(io, i->port());
    asio::write(c, asio::buffer(up));
    c.shutdown(tcp::socket::shutdown_send);
    const auto got = read_to_eof(c);
    BOOST_TEST((got == down));
    const auto at_upstream = upstream_got.get_future().get();
    BOOST_TEST(at_upstream.size() == up.size());
    BOOST_TEST((at_upstream == up));
    const auto n = i->counters();
    BOOST_TEST(n.pass_through_connections == 1u);
    BOOST_TEST(n.control_connections == 0u);
    BOOST_TEST(n.bytes_to_upstream == up.size());
    BOOST_TEST(n.bytes_to_client == down.size());
  }
}

BOOST_AUTO_TEST_CASE(pass_through_relays_both_directions_at_once) {
  for (const bool splice : {true, false}) BOOST_TEST_CONTEXT("relay_splice " << splice) {
    test_server upstream([](tcp::socket& s) {  // echo
      std::uint8_t buf[32 * 1024];
      boost::system::error_code ec;
      for (std::size_t n; (n = s.read_some(asio::buffer(buf), ec)) > 0 || !ec;) asio::write(s, asio::buffer(buf, n));
      s.shutdown(tcp::socket::shutdown_send, ec);
    });
    interceptor_options o;
    o.upstream = upstream.endpoint();
    o.relay_splice = splice;
    o.relay_buffer = 4096;  // many turns of each pump
    auto i = start(o, echo_handler{});
    asio::io_context io;
    auto c = connect_to(io, i->port());
    const auto sent = random_bytes(4u << 20, 3);
    std::thread writer([&] {
      asio::write(c, asio::buffer(sent));
      c.shutdown(tcp::socket::shutdown_send);
    });
    const auto got = read_to_eof(c);
    writer.join();
    BOOST_TEST((got == sent));
  }
}

BOOST_AUTO_TEST_CASE(a_client_that_sends_fewer_than_four_bytes_then_closes_passes_through) {
  std::promise<bytes> upstream_got;
  test_server upstream([&](tcp::socket& s) {
    upstream_got.set_value(read_to_eof(s));
    asio::write(s, asio::buffer(std::string("pong")));
  });
  interceptor_options o;
  o.upstream = upstream.endpoint();
  auto i = start(o, echo_handler{});
  asio::io_context io;
  auto c = connect_to(io, i->port());
  asio::write(c, asio::buffer(std::string("SM")));  // a prefix of the magic: undecided until EOF
  c.shutdown(tcp::socket::shutdown_send);
  const auto got = read_to_eof(c);
  BOOST_TEST(std::string(got.begin(), got.end()) == "pong");
  const auto at_upstream = upstream_got.get_future().get();
  BOOST_TEST(std::string(at_upstream.begin(), at_upstream.end()) == "SM");
  BOOST_TEST(i->counters().pass_through_connections == 1u);
}

BOOST_AUTO_TEST_CASE(an_undecided_prefix_passes_through_at_the_classify_timeout) {
  std::promise<bytes> upstream_got;
  test_server upstream([&](tcp::socket& s) { upstream_got.set_value(read_to_eof(s)); });
  interceptor_options o;
  o.upstream = upstream.endpoint();
  o.classify_timeout = 200ms;
  auto i = start(o, echo_handler{});
  asio::io_context io;
  auto c = connect_to(io, i->port());
  asio::write(c, asio::buffer(std::string("SMC")));
  // Waits for the decision (not for a fixed time): pass-through is counted
  // when the timeout decided it.
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (i->counters().pass_through_connections == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
  BOOST_REQUIRE(i->counters().pass_through_connections == 1u);
  asio::write(c, asio::buffer(std::string("P-but-not-control")));  // "SMCP..." now, but decided already
  c.shutdown(tcp::socket::shutdown_send);
  boost::system::error_code ec;
  read_to_eof(c, &ec);
  const auto at_upstream = upstream_got.get_future().get();
  BOOST_TEST(std::string(at_upstream.begin(), at_upstream.end()) == "SMCP-but-not-control");
  BOOST_TEST(i->counters().control_connections == 0u);
}

BOOST_AUTO_TEST_CASE(with_the_upstream_down_the_client_is_closed) {
  interceptor_options o;
  const refusing_port down;
  o.upstream = down.endpoint();
  auto i = start(o, echo_handler{});
  asio::io_context io;
  auto c = connect_to(io, i->port());
  asio::write(c, asio::buffer(std::string("GET / HTTP/1.1\r\n\r\n")));
  boost::system::error_code ec;
  const auto got = read_to_eof(c, &ec);
  BOOST_TEST(got.empty());
  BOOST_TEST((ec == asio::error::eof || ec == asio::error::connection_reset));
  BOOST_TEST(i->counters().upstream_failures == 1u);
}

BOOST_AUTO_TEST_CASE(pipelined_requests_reach_the_handler_and_replies_come_back_in_request_order) {
  echo_handler h;
  h.pause = 3ms;  // lun % 5 * 3 ms: the workers finish out of order
  interceptor_options o;
  o.workers = 4;
  o.pipeline_depth = 8;  // 40 requests: reading pauses and resumes
  auto i = start(o, h);
  auto c = control_connection::open("127.0.0.1:" + std::to_string(i->port()), 5s).value();
  constexpr std::uint64_t n = 40;
  std::thread sender([&] {
    for (std::uint64_t k = 0; k < n; ++k) BOOST_REQUIRE(c.send(request_for(k, "op-" + std::to_string(k)), 10s));
  });
  std::vector<control_reply> got;
  for (std::uint64_t k = 0; k < n; ++k) {
    auto r = c.receive(20s);
    BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message()));
    got.push_back(std::move(r).value());
  }
  sender.join();
  for (std::uint64_t k = 0; k < n; ++k) {
    BOOST_TEST(got[k].ok);
    BOOST_TEST((got[k].id == request_for(k).id));
    BOOST_TEST(got[k].message == "op-" + std::to_string(k));
    std::uint64_t lun = 0;
    std::memcpy(&lun, got[k].data.data(), 8);
    BOOST_TEST(lun == k);
  }
  BOOST_TEST(*h.calls == static_cast<int>(n));
  BOOST_TEST(i->counters().requests == n);
  BOOST_TEST(i->counters().replies == n);
}

BOOST_AUTO_TEST_CASE(every_class_of_bad_input_gets_its_error_reply_then_a_close_and_never_the_handler) {
  struct bad_case {
    const char* name;
    bytes frame;
    const char* code;
  };
  const auto hdr = [](std::uint8_t version, std::uint8_t type, std::uint16_t flags, std::uint32_t len) {
    bytes h = {'S', 'M', 'C', 'P', version, type, static_cast<std::uint8_t>(flags >> 8), static_cast<std::uint8_t>(flags),
               static_cast<std::uint8_t>(len >> 24), static_cast<std::uint8_t>(len >> 16), static_cast<std::uint8_t>(len >> 8),
               static_cast<std::uint8_t>(len)};
    return h;
  };
  const auto with_body = [](bytes h, std::size_t n, std::uint8_t fill) {
    h.resize(h.size() + n, fill);
    return h;
  };
  const auto reply_frame = cp::encode_reply(control_reply{}).value();
  const std::vector<bad_case> cases = {
      {"garbage body", with_body(hdr(1, 1, 0, 24), 24, 0xee), "malformed"},
      {"odd body length", with_body(hdr(1, 1, 0, 5), 5, 0), "malformed"},
      {"flags set", with_body(hdr(1, 1, 0x8000, 8), 8, 0), "malformed"},
      {"oversize, header only", hdr(1, 1, 0, 64 * 1024 + 1), "oversize"},
      {"oversize, huge", hdr(1, 1, 0, 0xffffffffu), "oversize"},
      {"version 2", with_body(hdr(2, 1, 0, 8), 8, 0), "bad_version"},
      {"version 0", hdr(0, 1, 0, 0), "bad_version"},
      {"type 3", with_body(hdr(1, 3, 0, 8), 8, 0), "unknown_type"},
      {"a reply sent to the host", reply_frame, "unknown_type"},
  };
  echo_handler h;
  auto i = start(interceptor_options{}, h);
  for (const auto& bad : cases) {
    BOOST_TEST_CONTEXT(bad.name) {
      asio::io_context io;
      auto c = connect_to(io, i->port());
      asio::write(c, asio::buffer(bad.frame));
      boost::system::error_code ec;
      const auto got = read_to_eof(c, &ec);
      BOOST_TEST((ec == asio::error::eof));  // closed cleanly, after the reply: no reset
      const auto replies = replies_in(got);
      BOOST_REQUIRE_EQUAL(replies.size(), 1u);
      BOOST_TEST(!replies[0].ok);
      BOOST_TEST(replies[0].error_code == bad.code);
      BOOST_TEST(!replies[0].id.has_value());
      BOOST_TEST(!replies[0].message.empty());
    }
  }
  BOOST_TEST(*h.calls == 0);
  BOOST_TEST(i->counters().refused == cases.size());
  BOOST_TEST(i->counters().requests == 0u);
}

BOOST_AUTO_TEST_CASE(requests_before_bad_input_are_answered_first_and_nothing_after_it_is_read) {
  echo_handler h;
  auto i = start(interceptor_options{}, h);
  asio::io_context io;
  auto c = connect_to(io, i->port());
  bytes stream = cp::encode_request(request_for(1)).value();
  const auto second = cp::encode_request(request_for(2)).value();
  stream.insert(stream.end(), second.begin(), second.end());
  stream.insert(stream.end(), {'S', 'M', 'C', 'X', 1, 1, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0});  // bad magic
  const auto third = cp::encode_request(request_for(3)).value();  // after the bad frame: never handled
  stream.insert(stream.end(), third.begin(), third.end());
  asio::write(c, asio::buffer(stream));
  const auto replies = replies_in(read_to_eof(c));
  BOOST_REQUIRE_EQUAL(replies.size(), 3u);
  BOOST_TEST((replies[0].ok && replies[0].id == request_for(1).id));
  BOOST_TEST((replies[1].ok && replies[1].id == request_for(2).id));
  BOOST_TEST(!replies[2].ok);
  BOOST_TEST(replies[2].error_code == "malformed");
  BOOST_TEST(replies[2].message.find("SMCP") != std::string::npos);
  BOOST_TEST(*h.calls == 2);
}
