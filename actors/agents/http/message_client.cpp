#include "actors/agents/http/message_client.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>

namespace storemesh::agents::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = beast::http;
using tcp = asio::ip::tcp;

std::string lower(boost::beast::string_view s) {
  std::string out(s.data(), s.size());
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

} // namespace

result<reply> send(const call& c) {
  const auto colon = c.endpoint.rfind(':');
  if (colon == std::string::npos)
    return make_error(std::errc::invalid_argument, "endpoint '" + c.endpoint + "' is not HOST:PORT");
  const auto host = c.endpoint.substr(0, colon), port = c.endpoint.substr(colon + 1);
  const auto fail = [&](const char* what, const beast::error_code& ec) {
    // Refused / reset / timed out: what a caller reads as "the peer is down".
    return make_error(std::errc::connection_refused, std::string(what) + " " + c.endpoint + ": " + ec.message());
  };
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  const auto at = resolver.resolve(host, port, ec);
  if (ec)
    return fail("resolve", ec);
  stream.expires_after(c.timeout);
  stream.connect(at, ec);
  if (ec)
    return fail("connect", ec);
  stream.socket().set_option(tcp::no_delay(true), ec);
  bh::request<bh::string_body> req{bh::string_to_verb(c.method), c.target, 11};
  req.set(bh::field::host, c.endpoint);
  for (const auto& [k, v] : c.headers)
    req.set(k, v);
  req.body() = c.body;
  req.prepare_payload();
  stream.expires_after(c.timeout);
  bh::write(stream, req, ec);
  if (ec)
    return fail("write to", ec);
  beast::flat_buffer buffer;
  bh::response_parser<bh::string_body> parser;
  parser.body_limit(c.max_reply_bytes);
  stream.expires_after(c.timeout);
  bh::read(stream, buffer, parser, ec);
  if (ec)
    return fail("read from", ec);
  auto res = parser.release();
  reply r;
  r.status = res.result_int();
  for (const auto& f : res)
    r.headers[lower(f.name_string())] = std::string(f.value());
  r.body = std::move(res.body());
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return r;
}

} // namespace storemesh::agents::http
