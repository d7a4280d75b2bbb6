// A control connection: request frames in, handled on the worker pool,
// reply frames out in request order.
//
//   reading <-> paused (pipeline_depth unanswered) ; reading -> draining
//   (client EOF: answer what was asked, then close) ; any -> refusing (bad
//   input: the replies before it, the error reply, shutdown(send), read and
//   drop until the client closes or linger passes, close).
//
// Each request takes a slot in `slots_` when it is read; the slot is filled
// when its reply is encoded (by a worker, posted back here), and replies are
// written from the front while the front slot is filled: so replies go out
// in request order whatever order the workers finish in.

#include "actors/agents/control_path/interceptor_state.hpp"
#include "services/control_path/control_protocol_errc.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <deque>
#include <optional>

namespace storemesh::agents::control_path {
namespace {

namespace asio = boost::asio;
namespace cp = services::control_path;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// After an error reply, how long the client may take to close: its unread
// bytes are read and dropped meanwhile, because closing a socket with unread
// input sends a reset that can destroy the error reply before it is read.
constexpr auto linger = std::chrono::seconds(2);

cp::bytes encode_or_fallback(cp::control_reply r, std::size_t max_body) {
  auto f = cp::encode_reply(r, max_body);
  if (f) return std::move(f).value();
  // The handler's reply does not fit a frame: say so instead (small, fits).
  cp::control_reply e;
  e.id = r.id;
  e.error_code = "reply_too_large";
  e.message = f.error().message();
  return cp::encode_reply(e, max_body).value();
}

class control_session : public std::enable_shared_from_this<control_session> {
public:
  control_session(connection_slot slot, tcp::socket s)
      : slot_(std::move(slot)), socket_(std::move(s)), timer_(*slot_.state().io), decoder_(slot_.state().opts.max_body) {}

  void start(const bytes& initial) {
    decoder_.feed(initial.data(), initial.size());
    take_frames();
    read();
  }

  // From a worker, posted to the io thread.
  void on_reply(std::uint64_t seq, cp::bytes frame) {
    if (closed_) return;
    slots_[static_cast<std::size_t>(seq - first_seq_)] = std::move(frame);
    write();
  }

private:
  interceptor_state& s() const { return slot_.state(); }

  void read() {
    if (reading_ || closed_ || !accepting_ || slots_.size() >= s().opts.pipeline_depth) return;
    reading_ = true;
    arm_timer();
    socket_.async_read_some(asio::buffer(chunk_), [self = shared_from_this()](error_code ec, std::size_t n) {
      self->reading_ = false;
      if (self->closed_) return;
      if (ec == asio::error::eof) {
        // Reads happen only with no whole frame waiting: what is left is a
        // frame cut short by the client.
        if (const auto left = self->decoder_.buffered(); left > 0)
          return self->refuse(make_error(cp::protocol_errc::malformed,
                                         "the stream ended " + std::to_string(left) + " bytes into a frame"));
        self->accepting_ = false;  // answer what was asked, then close (write() does)
        return self->write();
      }
      if (ec) return self->close();
      self->decoder_.feed(self->chunk_.data(), n);
      self->take_frames();
      self->read();
    });
  }

  // Idle (nothing read, nothing in progress) for read_timeout: closed. While
  // a handler works the clock does not run against the client.
  void arm_timer() {
    timer_.expires_after(s().opts.read_timeout);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (ec || self->closed_ || !self->reading_) return;
      if (!self->slots_.empty()) return self->arm_timer();
      self->close();
    });
  }

  // Frames beyond pipeline_depth unanswered stay in the decoder (at most one
  // read's worth) until a reply goes out.
  void take_frames() {
    while (accepting_ && slots_.size() < s().opts.pipeline_depth) {
      auto f = decoder_.next();
      if (!f) return refuse(f.error());
      if (!f.value()) return;
      if (std::holds_alternative<cp::control_reply>(*f.value()))
        return refuse(make_error(cp::protocol_errc::unknown_type, "a reply frame (type 2) sent to a host, which takes requests (type 1)"));
      handle(std::get<cp::control_request>(std::move(*f.value())));
    }
  }

  void handle(cp::control_request request) {
    const std::uint64_t seq = first_seq_ + slots_.size();
    slots_.emplace_back();
    auto& st = s();
    const auto max_body = st.opts.max_body;
    const auto id = request.id;
    auto task = [self = shared_from_this(), seq, request = std::move(request), max_body]() mutable {
      cp::control_reply r;
      try {
        r = self->s().handler(request);
      } catch (const std::exception& ex) {
        r = cp::control_reply{};
        r.error_code = "handler_failed";
        r.message = ex.what();
      }
      r.id = request.id;  // the client matches replies by it, whatever the handler set
      auto frame = encode_or_fallback(std::move(r), max_body);
      // The io thread takes the session over: the worker keeps no reference,
      // so the session is never destroyed off the io thread.
      auto& io = *self->s().io;
      asio::post(io, [self = std::move(self), seq, frame = std::move(frame)]() mutable { self->on_reply(seq, std::move(frame)); });
    };
    if (st.pool->try_submit(std::move(task))) {
      st.requests.fetch_add(1);
      return;
    }
    st.busy.fetch_add(1);
    cp::control_reply busy;
    busy.id = id;
    busy.error_code = "busy";
    busy.message = std::to_string(st.opts.queue_limit) + " requests wait for a worker; retry with the same request id";
    slots_.back() = encode_or_fallback(std::move(busy), max_body);
    write();
  }

  void refuse(const error& e) {
    s().refused.fetch_add(1);
    accepting_ = false;
    slots_.emplace_back(encode_or_fallback(cp::error_reply(e), s().opts.max_body));
    close_after_ = first_seq_ + slots_.size();  // after this slot is written
    write();
  }

  void write() {
    if (writing_ || closed_ || finishing_) return;
    out_.clear();
    std::size_t frames = 0;
    while (!slots_.empty() && slots_.front() && first_seq_ != close_after_) {
      out_.insert(out_.end(), slots_.front()->begin(), slots_.front()->end());
      slots_.pop_front();
      ++first_seq_;
      ++frames;
    }
    if (out_.empty()) {
      if (first_seq_ == close_after_) return finish(true);
      if (!accepting_ && slots_.empty()) return finish(false);  // client EOF, all answered
      return;
    }
    writing_ = true;
    s().replies.fetch_add(frames);  // counted as handed to the socket: before the client can see them
    asio::async_write(socket_, asio::buffer(out_), [self = shared_from_this()](error_code ec, std::size_t) {
      self->writing_ = false;
      if (ec) return self->close();
      self->take_frames();  // slots are free again
      self->read();
      self->write();
    });
  }

  // Everything owed is written. After an error reply: shutdown(send), then
  // read and drop until the client closes (or linger passes), then close.
  void finish(bool lingering) {
    finishing_ = true;
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    if (!lingering) return close();
    timer_.expires_after(linger);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->close();
    });
    drain();
  }

  void drain() {
    socket_.async_read_some(asio::buffer(chunk_), [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec) return self->close();
      self->drain();
    });
  }

  void close() {
    closed_ = true;
    error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
  }

  connection_slot slot_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  cp::frame_decoder decoder_;
  std::array<std::uint8_t, 16 * 1024> chunk_{};
  std::deque<std::optional<cp::bytes>> slots_;  // the replies owed, in request order; filled when ready
  std::uint64_t first_seq_ = 0;                 // the sequence number of slots_.front()
  std::uint64_t close_after_ = ~std::uint64_t{0};
  cp::bytes out_;
  bool reading_ = false, writing_ = false, accepting_ = true, finishing_ = false, closed_ = false;
};

} // namespace

void start_control_session(connection_slot slot, tcp::socket client, bytes initial) {
  std::make_shared<control_session>(std::move(slot), std::move(client))->start(initial);
}

} // namespace storemesh::agents::control_path
