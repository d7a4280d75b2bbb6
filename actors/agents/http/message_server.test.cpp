// The message server's bounds and the client's errors, over real loopback sockets.

#include "actors/agents/http/message_client.hpp"
#include "actors/agents/http/message_server.hpp"

#include <boost/asio.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>

using namespace storemesh::agents::http;

namespace {

struct fixture {
  std::atomic<int> handled{0};
  std::unique_ptr<message_server> server;
  std::string endpoint;

  fixture() {
    server_options o;
    o.max_body_bytes = 1000;
    o.max_header_bytes = 2048;
    o.threads = 2;
    server = message_server::bind(o).value();
    endpoint = "127.0.0.1:" + std::to_string(server->port());
    server->serve([this](const request& r) {
      handled += 1;
      if (r.target == "/boom")
        throw std::runtime_error("handler bug");
      return response{200, r.method + " " + r.target + " " + r.header("x-echo") + " " + std::to_string(r.body.size()),
                      "text/plain", {{"X-Seen", "yes"}}};
    });
  }
};

call put(const std::string& endpoint, std::string body) {
  call c;
  c.method = "PUT";
  c.endpoint = endpoint;
  c.target = "/v1/x";
  c.headers = {{"X-Echo", "hello"}};
  c.body = std::move(body);
  c.timeout = std::chrono::milliseconds(5000);
  return c;
}

} // namespace

BOOST_AUTO_TEST_SUITE(message_server_bounds)

BOOST_FIXTURE_TEST_CASE(a_request_within_bounds_reaches_the_handler_with_its_headers_and_body, fixture) {
  auto r = send(put(endpoint, std::string(1000, 'a')));
  BOOST_REQUIRE(r);
  BOOST_TEST(r.value().status == 200u);
  BOOST_TEST(r.value().body == "PUT /v1/x hello 1000");
  BOOST_TEST(r.value().headers.at("x-seen") == "yes");
}

BOOST_FIXTURE_TEST_CASE(a_body_over_the_bound_is_answered_413_and_never_handled, fixture) {
  auto r = send(put(endpoint, std::string(1001, 'a')));
  BOOST_REQUIRE(r);
  BOOST_TEST(r.value().status == 413u);
  BOOST_TEST(handled.load() == 0);
}

BOOST_FIXTURE_TEST_CASE(a_head_over_the_bound_is_answered_431, fixture) {
  auto c = put(endpoint, "x");
  c.headers.emplace_back("X-Pad", std::string(4000, 'p'));
  auto r = send(c);
  BOOST_REQUIRE(r);
  BOOST_TEST(r.value().status == 431u);
  BOOST_TEST(handled.load() == 0);
}

BOOST_FIXTURE_TEST_CASE(a_handler_that_throws_answers_500_and_the_server_goes_on, fixture) {
  auto c = put(endpoint, "");
  c.target = "/boom";
  auto r = send(c);
  BOOST_REQUIRE(r);
  BOOST_TEST(r.value().status == 500u);
  auto again = send(put(endpoint, "y"));
  BOOST_REQUIRE(again);
  BOOST_TEST(again.value().status == 200u);
}

BOOST_AUTO_TEST_CASE(a_port_nobody_listens_on_is_an_error_value_not_a_reply) {
  // Bind and close a port: nothing listens there afterwards.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = a.local_endpoint().port();
  a.close();
  auto r = send(put("127.0.0.1:" + std::to_string(port), "z"));
  BOOST_TEST(!r);
  BOOST_TEST(r.error().detail.find("connect") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(listen_addresses_are_parsed_or_refused_with_why) {
  server_options o;
  BOOST_TEST(static_cast<bool>(parse_listen("127.0.0.1:8080", o)));
  BOOST_TEST(o.port == 8080);
  for (const char* bad : {"127.0.0.1", ":80", "h:99999", "h:x1", "h:"})
    BOOST_TEST(!parse_listen(bad, o), bad);
}

BOOST_AUTO_TEST_SUITE_END()
