#include "actors/agents/block_exchange/gateway_post.hpp"

#include "actors/agents/block_exchange/exchange_errc.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <charconv>

namespace storemesh::agents::block_exchange {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

result<endpoint> parse_endpoint(std::string_view host_port) {
  const auto colon = host_port.rfind(':');
  unsigned port = 0;
  if (colon == std::string_view::npos || colon == 0)
    return make_error(exchange_errc::bad_response, "'" + std::string(host_port) + "' is not host:port");
  const auto digits = host_port.substr(colon + 1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc{} || end != digits.data() + digits.size() || port == 0 || port > 65535)
    return make_error(exchange_errc::bad_response, "'" + std::string(host_port) + "': bad port");
  return endpoint{std::string(host_port.substr(0, colon)), static_cast<std::uint16_t>(port)};
}

result<post_reply> post(const endpoint& peer, std::string_view target, std::string_view body,
                        std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  const auto where = peer.host + ":" + std::to_string(peer.port);
  // Asynchronous steps on a private io_context: only those honour the stream's timer.
  auto run = [&](auto start) {
    beast::error_code result;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  };
  auto failed = [&](beast::error_code ec, const char* what) {
    return make_error(ec == beast::error::timeout ? exchange_errc::timeout : exchange_errc::connect_failed,
                      std::string(what) + " " + where + ": " + ec.message());
  };
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  const auto endpoints = resolver.resolve(peer.host, std::to_string(peer.port), ec);
  if (ec)
    return failed(ec, "resolve");
  beast::tcp_stream stream(ioc);
  stream.expires_after(timeout);
  if (ec = run([&](auto h) { stream.async_connect(endpoints, h); }); ec)
    return failed(ec, "connect to");
  http::request<http::string_body> req{http::verb::post, std::string(target), 11};
  req.set(http::field::host, where);
  req.set(http::field::content_type, "application/octet-stream");
  req.set(http::field::user_agent, "storemesh-cli");
  req.keep_alive(false);
  req.body() = std::string(body);
  req.prepare_payload();
  stream.expires_after(timeout);
  if (ec = run([&](auto h) { http::async_write(stream, req, h); }); ec)
    return failed(ec, "send to");
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024);
  stream.expires_after(timeout);
  if (ec = run([&](auto h) { http::async_read(stream, buffer, parser, h); }); ec) {
    if (ec == beast::error::timeout)
      return failed(ec, "receive from");
    return make_error(exchange_errc::bad_response, "answer from " + where + ": " + ec.message());
  }
  auto res = parser.release();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return post_reply{res.result_int(), std::move(res.body())};
}

} // namespace storemesh::agents::block_exchange
