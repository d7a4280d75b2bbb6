#include "actors/agents/http/message_server.hpp"

#include "actors/agents/http/listener.hpp"

#include "events/envelope/envelope_json.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <optional>
#include <thread>

namespace storemesh::agents::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = beast::http;
using tcp = asio::ip::tcp;

struct shared_state {
  server_options opts;
  message_server::handler handle;
};

std::string lower(boost::beast::string_view s) {
  std::string out(s.data(), s.size());
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

class connection : public std::enable_shared_from_this<connection> {
public:
  connection(tcp::socket socket, connection_slot slot, std::shared_ptr<shared_state> state)
      : stream_(std::move(socket)), slot_(std::move(slot)), state_(std::move(state)) {
    beast::error_code ec;
    const auto remote = stream_.socket().remote_endpoint(ec);
    peer_ = ec ? std::string() : remote.address().to_string();
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }
  void start() { read(); }

private:
  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(state_->opts.max_header_bytes));
    parser_->body_limit(state_->opts.max_body_bytes);
    stream_.expires_after(state_->opts.idle_timeout);
    bh::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == bh::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
        ec == asio::error::connection_reset)
      return close();
    if (ec == bh::error::body_limit)
      return respond(error_response(413, "too_large",
                                    fmt::format("a body is at most {} bytes", state_->opts.max_body_bytes)),
                     false);
    if (ec == bh::error::header_limit)
      return respond(error_response(431, "head_too_large", "the request head is too large"), false);
    if (ec)
      return respond(error_response(400, "bad_request", ec.message()), false);
    auto msg = parser_->release();
    request r;
    r.method = std::string(msg.method_string());
    r.target = std::string(msg.target());
    r.peer = peer_;
    for (const auto& f : msg)
      r.headers[lower(f.name_string())] = std::string(f.value());
    r.body = std::move(msg.body());
    const bool keep = msg.keep_alive();
    response out;
    try {
      out = state_->handle(r);
    } catch (const std::exception& e) {  // a handler's bug answers 500, it does not end the server
      out = error_response(500, "internal", e.what());
    }
    respond(std::move(out), keep);
  }

  void respond(response r, bool keep_alive) {
    auto res = std::make_shared<bh::response<bh::string_body>>(static_cast<bh::status>(r.status), 11);
    res->set(bh::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers)
      res->set(k, v);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    stream_.expires_after(state_->opts.idle_timeout);
    bh::async_write(stream_, *res, [self = shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
      if (ec || !keep_alive)
        return self->close();
      self->read();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  connection_slot slot_;
  std::shared_ptr<shared_state> state_;
  beast::flat_buffer buffer_;
  std::optional<bh::request_parser<bh::string_body>> parser_;
  std::string peer_;
};

} // namespace

std::string request::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

response error_response(unsigned status, std::string_view code, std::string_view message) {
  return response{status,
                  fmt::format("{{\"error\":{},\"message\":{}}}\n", events::envelope::json_string(code),
                              events::envelope::json_string(message)),
                  "application/json",
                  {}};
}

result<void> parse_listen(const std::string& listen, server_options& o) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return make_error(std::errc::invalid_argument, "'" + listen + "' is not HOST:PORT");
  const auto port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit) || std::stoul(port) > 65535)
    return make_error(std::errc::invalid_argument, "'" + listen + "': port '" + port + "' is not 0..65535");
  o.address = listen.substr(0, colon);
  o.port = static_cast<std::uint16_t>(std::stoul(port));
  return success();
}

struct message_server::impl {
  std::unique_ptr<listener> l;
  std::shared_ptr<shared_state> state = std::make_shared<shared_state>();
};

message_server::message_server(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
message_server::~message_server() { stop(); }

result<std::unique_ptr<message_server>> message_server::bind(server_options o) {
  auto p = std::make_unique<impl>();
  SM_TRY(p->l, listener::bind(o.address, o.port));
  p->state->opts = o;
  std::unique_ptr<message_server> s(new message_server(std::move(p)));
  s->port_ = s->impl_->l->port();
  return s;
}

void message_server::serve(handler h) {
  auto& i = *impl_;
  i.state->handle = std::move(h);
  i.l->start(i.state->opts.threads, i.state->opts.max_connections,
             [state = i.state](tcp::socket socket, connection_slot slot) {
               std::make_shared<connection>(std::move(socket), std::move(slot), state)->start();
             });
}

void message_server::stop() {
  if (!impl_)
    return;
  impl_->l->stop();
  impl_.reset();
}

} // namespace storemesh::agents::http
