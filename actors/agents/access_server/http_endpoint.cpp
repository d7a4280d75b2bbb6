#include "actors/agents/access_server/http_endpoint.hpp"

#include "actors/agents/http/listener.hpp"

#include "events/envelope/envelope_json.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/core.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <limits>
#include <optional>
#include <thread>
#include <vector>

namespace storemesh::agents::access_server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = ::storemesh::agents::http;  // our listener, not Beast's http
using tcp = asio::ip::tcp;

constexpr std::string_view files_prefix = "/v1/files/";
constexpr std::size_t chunk_bytes = 256 * 1024;

struct shared_state {
  http_options opts;
  access_service* svc = nullptr;
};

reply error_reply(unsigned status, std::string_view code, std::string_view message) {
  return reply{status, fmt::format("{{\"error\":{},\"message\":{}}}", events::envelope::json_string(code),
                                   events::envelope::json_string(message))};
}

class connection : public std::enable_shared_from_this<connection> {
public:
  connection(tcp::socket socket, net::connection_slot slot, std::shared_ptr<shared_state> state)
      : stream_(std::move(socket)), slot_(std::move(slot)), state_(std::move(state)), chunk_(chunk_bytes) {
    beast::error_code ec;
    const auto remote = stream_.socket().remote_endpoint(ec);
    peer_ = ec ? std::string() : remote.address().to_string();
    // A response's head and body are separate writes: without this the body
    // waits for the client's delayed ACK of the head (about 40 ms a get).
    stream_.socket().set_option(tcp::no_delay(true), ec);
    // Beast reads max(512, capacity - size) bytes at a time: reserved, a
    // body arrives in reads of up to a chunk, not of 512 bytes.
    buffer_.reserve(chunk_bytes);
  }
  void start() { read_head(); }

private:
  void read_head() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(state_->opts.max_header_bytes));
    // The service bounds a put by its policy. (Not boost::none: Boost 1.74
    // compares a Content-Length with the optional and refuses every body.)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    stream_.expires_after(state_->opts.idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_head(ec); });
  }

  void on_head(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof)
      return close();
    if (ec)
      return respond(error_reply(400, "bad_request", ec.message()), false);
    const auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    const std::string_view target(req.target().data(), req.target().size());
    if ((target == "/v1/status" || target == "/v1/status.txt") && req.method() == http::verb::get)
      return respond(state_->svc->status(target == "/v1/status.txt"), keep_alive_);
    if (target.rfind(files_prefix, 0) != 0)
      return respond(error_reply(404, "not_found", "the endpoints are /v1/files/SHARE/PATH and /v1/status"), false);
    std::string decoded;
    if (!percent_decode(target.substr(files_prefix.size()), decoded))
      return respond(error_reply(400, "bad_path", "a bad percent escape in the path"), false);
    const auto slash = decoded.find('/');
    request_head h;
    h.share = decoded.substr(0, slash);
    h.path = slash == std::string::npos ? std::string() : decoded.substr(slash + 1);
    h.session = std::string(req["X-Storemesh-Session"]);
    h.declared_sha256 = std::string(req["X-Content-SHA256"]);
    h.peer = peer_;
    if (req.method() == http::verb::get)
      return get(h);
    if (req.method() != http::verb::put)
      return respond(error_reply(405, "method_not_allowed", "PUT or GET"), false);
    const auto length = parser_->content_length();
    if (!length)
      return respond(error_reply(411, "length_required", "a put needs a Content-Length"), false);
    h.length = *length;
    auto begun = state_->svc->begin_put(h);
    if (auto* r = std::get_if<reply>(&begun))
      return respond(std::move(*r), false);  // its body is not read: the connection ends
    put_ = std::get<std::unique_ptr<put_transaction>>(std::move(begun));
    if (req[http::field::expect] == "100-continue") {
      http::response<http::empty_body> go{http::status::continue_, 11};
      beast::error_code ignored;
      http::write(stream_.socket(), go, ignored);
    }
    read_body();
  }

  void read_body() {
    if (parser_->is_done())
      return respond(finish_put(), keep_alive_);
    parser_->get().body().data = chunk_.data();
    parser_->get().body().size = chunk_.size();
    stream_.expires_after(state_->opts.idle_timeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_body(ec);
    });
  }

  void on_body(beast::error_code ec) {
    if (ec == http::error::need_buffer)
      ec = {};
    if (ec) {
      put_.reset();  // the client went away or stalled: nothing kept
      return close();
    }
    const auto got = chunk_.size() - parser_->get().body().size;
    if (got > 0 && !put_->feed(chunk_.data(), got))
      return respond(finish_put(), false);
    if (parser_->is_done())
      return respond(finish_put(), keep_alive_);
    read_body();
  }

  reply finish_put() {
    auto r = put_->finish();
    put_.reset();
    return r;
  }

  void get(const request_head& h) {
    auto answer = state_->svc->get(h);
    if (auto* r = std::get_if<reply>(&answer))
      return respond(std::move(*r), keep_alive_);
    auto ready = std::get<get_ready>(std::move(answer));
    // The body is read from the descriptor that was scanned, a chunk at a
    // time (Beast's file_body would write it 4 KiB at a time).
    auto out = std::make_shared<outgoing>();
    out->fd = ready.fd;
    out->size = ready.size;
    out->res.result(http::status::ok);
    out->res.version(11);
    out->res.set(http::field::content_type, "application/octet-stream");
    out->res.set("X-Storemesh-Access", access_json(ready.record));
    out->res.keep_alive(keep_alive_);
    out->res.content_length(ready.size);
    out->res.body().data = nullptr;
    out->res.body().more = true;
    stream_.expires_after(state_->opts.idle_timeout);
    http::async_write_header(stream_, out->sr, [self = shared_from_this(), out](beast::error_code ec, std::size_t) {
      if (ec)
        return self->close();
      self->send_piece(out);
    });
  }

  struct outgoing {
    http::response<http::buffer_body> res;
    http::response_serializer<http::buffer_body> sr{res};
    int fd = -1;
    std::uint64_t size = 0, sent = 0;
    std::vector<char> buf = std::vector<char>(chunk_bytes);
    ~outgoing() {
      if (fd >= 0)
        ::close(fd);
    }
  };

  void send_piece(const std::shared_ptr<outgoing>& out) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(out->buf.size(), out->size - out->sent));
    ssize_t n = 0;
    if (want > 0) {
      n = ::pread(out->fd, out->buf.data(), want, static_cast<off_t>(out->sent));
      if (n <= 0)  // the file shrank under us or failed: the response cannot be completed
        return close();
    }
    out->sent += static_cast<std::uint64_t>(n);
    out->res.body().data = out->buf.data();
    out->res.body().size = static_cast<std::size_t>(n);
    out->res.body().more = out->sent < out->size;
    stream_.expires_after(state_->opts.idle_timeout);
    http::async_write(stream_, out->sr, [self = shared_from_this(), out](beast::error_code ec, std::size_t) {
      if (ec == http::error::need_buffer)
        ec = {};
      if (ec)
        return self->close();
      if (!out->sr.is_done())
        return self->send_piece(out);
      if (!self->keep_alive_)
        return self->close();
      self->read_head();
    });
  }

  void respond(reply r, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
    res->set(http::field::content_type, r.body.rfind('{', 0) == 0 ? "application/json" : "text/plain");
    res->body() = std::move(r.body);
    res->body() += "\n";
    res->keep_alive(keep_alive);
    res->prepare_payload();
    stream_.expires_after(state_->opts.idle_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
      if (ec || !keep_alive)
        return self->close();
      self->read_head();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  net::connection_slot slot_;
  std::shared_ptr<shared_state> state_;
  beast::flat_buffer buffer_{chunk_bytes};  ///< a head, or the body bytes read with it
  std::optional<http::request_parser<http::buffer_body>> parser_;
  std::vector<char> chunk_;
  std::unique_ptr<put_transaction> put_;
  std::string peer_;
  bool keep_alive_ = false;
};

} // namespace

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size())
      return false;
    auto digit = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int hi = digit(in[i + 1]), lo = digit(in[i + 2]);
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
      return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

struct http_endpoint::impl {
  std::unique_ptr<net::listener> l;
  std::shared_ptr<shared_state> state = std::make_shared<shared_state>();
};

http_endpoint::http_endpoint(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
http_endpoint::~http_endpoint() { stop(); }

result<std::unique_ptr<http_endpoint>> http_endpoint::bind(http_options o) {
  auto p = std::make_unique<impl>();
  SM_TRY(p->l, net::listener::bind(o.address, o.port));
  p->state->opts = o;
  std::unique_ptr<http_endpoint> e(new http_endpoint(std::move(p)));
  e->port_ = e->impl_->l->port();
  return e;
}

void http_endpoint::serve(access_service& svc) {
  auto& i = *impl_;
  i.state->svc = &svc;
  i.l->start(i.state->opts.threads, i.state->opts.max_connections,
             [state = i.state](tcp::socket socket, net::connection_slot slot) {
               std::make_shared<connection>(std::move(socket), std::move(slot), state)->start();
             });
}

void http_endpoint::stop() {
  if (!impl_)
    return;
  impl_->l->stop();
  impl_.reset();
}

} // namespace storemesh::agents::access_server
