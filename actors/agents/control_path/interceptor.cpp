// interceptor: the listener, the classification of each connection, start
// and stop. Pass-through is relay.cpp, control is control_session.cpp.

#include "actors/agents/control_path/interceptor.hpp"

#include "actors/agents/control_path/control_errc.hpp"
#include "actors/agents/control_path/endpoint.hpp"
#include "actors/agents/control_path/interceptor_state.hpp"

#include <boost/asio/steady_timer.hpp>

#include <pthread.h>

#include <thread>

namespace storemesh::agents::control_path {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using services::control_path::classify;
using services::control_path::stream_class;

// The first phase of every connection: read until classify() decides, the
// client closes (fewer than 4 bytes: pass-through) or classify_timeout
// passes (pass-through). Only the read handler moves on, so bytes that
// arrive as the timer fires are never lost: the timer only cancels the read.
class classifier : public std::enable_shared_from_this<classifier> {
public:
  classifier(connection_slot slot, tcp::socket s)
      : slot_(std::move(slot)), socket_(std::move(s)), timer_(*slot_.state().io) {}

  void start() {
    timer_.expires_after(slot_.state().opts.classify_timeout);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->decided_) return;
      self->timed_out_ = true;
      boost::system::error_code ignored;
      self->socket_.cancel(ignored);
    });
    read();
  }

private:
  void read() {
    socket_.async_read_some(asio::buffer(chunk_), [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
      self->on_read(ec, n);
    });
  }

  void on_read(boost::system::error_code ec, std::size_t n) {
    seen_.insert(seen_.end(), chunk_.begin(), chunk_.begin() + static_cast<std::ptrdiff_t>(n));
    const bool eof = ec == asio::error::eof;
    if (ec && !eof && ec != asio::error::operation_aborted) return;  // reset: nothing to relay
    const auto c = classify(seen_.data(), seen_.size());
    if (c == stream_class::control) return decide(true, false);
    if (c == stream_class::pass_through || eof || timed_out_) return decide(false, eof);
    if (ec) return;  // cancelled by stop()
    read();
  }

  void decide(bool control, bool eof) {
    decided_ = true;
    timer_.cancel();
    auto& s = slot_.state();
    if (control) {
      s.control_connections.fetch_add(1);
      start_control_session(std::move(slot_), std::move(socket_), std::move(seen_));
    } else {
      s.pass_through_connections.fetch_add(1);
      start_relay(std::move(slot_), std::move(socket_), std::move(seen_), eof);
    }
  }

  connection_slot slot_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::array<std::uint8_t, 4096> chunk_{};
  bytes seen_;
  bool decided_ = false, timed_out_ = false;
};

} // namespace

struct interceptor::impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::shared_ptr<interceptor_state> state = std::make_shared<interceptor_state>();
  std::unique_ptr<worker_pool> pool;
  std::thread io_thread;
  asio::steady_timer accept_backoff{io};

  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (ec) {
        // Out of descriptors (EMFILE) or memory: accepting again at once
        // would spin the io thread; wait for connections to close first.
        accept_backoff.expires_after(std::chrono::milliseconds(50));
        accept_backoff.async_wait([this](boost::system::error_code ec) {
          if (!ec) accept();
        });
        return;
      }
      state->accepted.fetch_add(1);
      if (state->open.fetch_add(1) < state->opts.max_connections) {
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);  // replies are small: no Nagle delay
        std::make_shared<classifier>(connection_slot(state), std::move(socket))->start();
      } else {
        state->open.fetch_sub(1);
        state->over_limit.fetch_add(1);  // closed by the socket's destructor
      }
      accept();
    });
  }
};

interceptor::interceptor(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

interceptor::~interceptor() { stop(); }

result<std::unique_ptr<interceptor>> interceptor::start(interceptor_options opts, control_handler handler) {
  if (!handler) return make_error(control_errc::bad_option, "no handler");
  if (opts.workers == 0 || opts.max_body == 0 || opts.pipeline_depth == 0 || opts.max_connections == 0 ||
      opts.relay_buffer == 0 || opts.classify_timeout.count() <= 0 || opts.read_timeout.count() <= 0)
    return make_error(control_errc::bad_option,
                      "workers, max_body, pipeline_depth, max_connections, relay_buffer and the timeouts must be > 0");
  if (opts.max_body > 0xffffffffu) return make_error(control_errc::bad_option, "max_body above 4 GiB - 1");
  SM_TRY(auto listen_at, resolve(opts.listen, true));
  auto p = std::make_unique<impl>();
  if (!opts.upstream.empty()) {
    SM_TRY(p->state->upstream, resolve(opts.upstream));
  }
  boost::system::error_code ec;
  const auto at = listen_at.front();
  const auto fail = [&](const char* what) {
    return make_error(control_errc::listen_failed, std::string(what) + " " + opts.listen + ": " + ec.message());
  };
  if (p->acceptor.open(at.protocol(), ec); ec) return fail("open");
  if (p->acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) return fail("setsockopt");
  if (p->acceptor.bind(at, ec); ec) return fail("bind");
  if (p->acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) return fail("listen");
  p->pool = std::make_unique<worker_pool>(opts.workers, opts.queue_limit);
  p->state->opts = std::move(opts);
  p->state->handler = std::move(handler);
  p->state->io = &p->io;
  p->state->pool = p->pool.get();
  std::unique_ptr<interceptor> out(new interceptor(std::move(p)));
  out->port_ = out->impl_->acceptor.local_endpoint().port();
  out->state_ = out->impl_->state;
  auto& i = *out->impl_;
  i.accept();
  i.io_thread = std::thread([&i] {
    pthread_setname_np(pthread_self(), "ctl-io");
    i.io.run();
  });
  return out;
}

interceptor_counters interceptor::counters() const {
  interceptor_counters c;
  const auto& s = *state_;
  c.accepted = s.accepted;
  c.over_limit = s.over_limit;
  c.control_connections = s.control_connections;
  c.pass_through_connections = s.pass_through_connections;
  c.upstream_failures = s.upstream_failures;
  c.requests = s.requests;
  c.replies = s.replies;
  c.refused = s.refused;
  c.busy = s.busy;
  c.bytes_to_upstream = s.bytes_to_upstream;
  c.bytes_to_client = s.bytes_to_client;
  return c;
}

void interceptor::stop() {
  if (!impl_) return;
  // 1. The io thread stops: no connection makes progress any more.
  // 2. The workers finish the handlers they run and are joined; what they
  //    post to the stopped io_context is never run.
  // 3. The io_context goes with everything on it: the acceptor, every
  //    socket closed, every pending handler (and the connection it holds).
  // The counters stay readable: state_ outlives the rest.
  impl_->io.stop();
  if (impl_->io_thread.joinable()) impl_->io_thread.join();
  impl_->pool->stop();
  impl_.reset();
}

} // namespace storemesh::agents::control_path
