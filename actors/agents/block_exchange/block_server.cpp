#include "actors/agents/block_exchange/block_server.hpp"

#include "actors/agents/block_exchange/exchange_errc.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

namespace storemesh::agents::block_exchange {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using services::consensus::gateway_block_source;

struct shared_state {
  gateway_block_source blocks;
  block_server_options opts;
  std::atomic<std::size_t> connections{0};
};

// One connection: read a request, answer it, repeat while keep-alive. Every
// step runs under the stream's timer; the session lives as long as a handler
// holds it.
class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, std::shared_ptr<shared_state> state)
      : stream_(std::move(socket)), state_(std::move(state)) {}
  ~session() { state_->connections.fetch_sub(1); }

  void start() { read(); }

private:
  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(state_->opts.max_header_bytes));
    parser_->body_limit(state_->opts.on_post ? state_->opts.max_post_bytes : 1024);
    stream_.expires_after(state_->opts.request_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::header_limit || ec == http::error::body_limit) return answer_too_large(ec);
    if (ec) return close();  // closed by the client, timed out, or not HTTP: nothing to answer
    const auto& req = parser_->get();
    std::optional<std::string_view> accept;
    if (const auto it = req.find(http::field::accept); it != req.end()) accept = std::string_view(it->value().data(), it->value().size());
    const auto method = req.method_string();
    const auto target = req.target();
    if (req.method() == http::verb::post && state_->opts.on_post) {
      auto posted = state_->opts.on_post(std::string_view(target.data(), target.size()), std::move(parser_->get().body()));
      response_ = {};
      response_.result(posted.status);
      response_.version(req.version());
      response_.keep_alive(req.keep_alive());
      response_.set(http::field::content_type, posted.content_type);
      response_.body() = std::move(posted.body);
      response_.prepare_payload();
      return write();
    }
    auto answer = services::consensus::handle_gateway_request(
        {std::string_view(method.data(), method.size()), std::string_view(target.data(), target.size()), accept},
        state_->blocks);
    response_ = {};
    response_.result(answer.status);
    response_.version(req.version());
    response_.keep_alive(req.keep_alive());
    for (auto& [name, value] : answer.headers) response_.set(name, value);
    response_.body() = std::move(answer.body);
    // Content-Length comes from the gateway (for HEAD it is the block's size, not the empty body's).
    write();
  }

  void answer_too_large(beast::error_code ec) {
    response_ = {};
    response_.result(http::status::request_header_fields_too_large);
    if (ec == http::error::body_limit) response_.result(http::status::payload_too_large);
    response_.version(11);
    response_.keep_alive(false);
    response_.set(http::field::content_type, "text/plain; charset=utf-8");
    response_.body() = std::string(ec.message()) + "\n";
    response_.prepare_payload();
    write();
  }

  void write() {
    stream_.expires_after(state_->opts.request_timeout);
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec || !self->response_.keep_alive()) return self->close();
      self->read();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<shared_state> state_;
  beast::flat_buffer buffer_{8 * 1024};
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
};

} // namespace

struct block_server::impl {
  asio::io_context ioc;
  tcp::acceptor acceptor{asio::make_strand(ioc)};
  std::shared_ptr<shared_state> state = std::make_shared<shared_state>();
  std::vector<std::thread> threads;

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) {
        // Over the limit: the connection is closed at once (the socket's destructor).
        if (state->connections.fetch_add(1) < state->opts.max_connections) {
          std::make_shared<session>(std::move(socket), state)->start();
        } else {
          state->connections.fetch_sub(1);
        }
      }
      accept();
    });
  }
};

block_server::block_server(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

block_server::~block_server() { stop(); }

result<std::unique_ptr<block_server>> block_server::start(gateway_block_source blocks, block_server_options opts) {
  auto p = std::make_unique<impl>();
  p->state->blocks = std::move(blocks);
  p->state->opts = opts;
  beast::error_code ec;
  const auto address = asio::ip::make_address(opts.address, ec);
  if (ec) return make_error(exchange_errc::listen_failed, "address " + opts.address + ": " + ec.message());
  const tcp::endpoint at{address, opts.port};
  const auto fail = [&](const char* what) {
    return make_error(exchange_errc::listen_failed,
                      std::string(what) + " " + opts.address + ":" + std::to_string(opts.port) + ": " + ec.message());
  };
  if (p->acceptor.open(at.protocol(), ec); ec) return fail("open");
  if (p->acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) return fail("setsockopt");
  if (p->acceptor.bind(at, ec); ec) return fail("bind");
  if (p->acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) return fail("listen");
  std::unique_ptr<block_server> server(new block_server(std::move(p)));
  server->port_ = server->impl_->acceptor.local_endpoint().port();
  server->address_ = opts.address;
  auto& i = *server->impl_;
  i.accept();
  for (unsigned t = 0; t < std::max(1u, opts.threads); ++t) i.threads.emplace_back([&i] { i.ioc.run(); });
  return server;
}

void block_server::stop() {
  if (!impl_) return;
  // Stop the threads, then destroy the io_context with everything on it:
  // the acceptor and every session's socket are closed, pending handlers
  // (and the sessions they hold) destroyed.
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_.reset();
}

} // namespace storemesh::agents::block_exchange
