// clamd_client: every step (connect, each write, the reply) is an Asio
// asynchronous operation run on a private io_context until it completes or
// its deadline passes; then it is cancelled and reported. Blocking sockets
// would have no deadline on connect, and SO_SNDTIMEO/SO_RCVTIMEO none on the
// whole of a step. Asio sends with MSG_NOSIGNAL on Linux, so a clamd that
// died leaves EPIPE here, never a SIGPIPE that kills the server.

#include "actors/agents/access_server/clamd_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

namespace storemesh::agents::access_server {

namespace asio = boost::asio;
namespace proto = services::access;
using generic_stream = asio::generic::stream_protocol;
using boost::system::error_code;
using clock = std::chrono::steady_clock;

namespace {

// The address as an endpoint, or why not. Only numeric hosts and
// "localhost": a DNS lookup would be a step without a deadline.
std::optional<generic_stream::endpoint> endpoint_of(const std::string& a, std::string& why) {
  if (!a.empty() && a.front() == '/') {
    if (a.size() >= sizeof(sockaddr_un{}.sun_path)) {
      why = "unix socket path too long (" + std::to_string(a.size()) + " bytes)";
      return std::nullopt;
    }
    return generic_stream::endpoint(asio::local::stream_protocol::endpoint(a));
  }
  const auto colon = a.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == a.size()) {
    why = "not an address (an absolute unix socket path, or host:port): \"" + a + "\"";
    return std::nullopt;
  }
  std::string host = a.substr(0, colon);
  const std::string port = a.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 || std::stoul(port) == 0 ||
      std::stoul(port) > 65535) {
    why = "not a port: \"" + port + "\"";
    return std::nullopt;
  }
  error_code ec;
  const auto ip = asio::ip::make_address(host, ec);
  if (ec) {
    why = "not a numeric host (no DNS lookups): \"" + host + "\"";
    return std::nullopt;
  }
  return generic_stream::endpoint(asio::ip::tcp::endpoint(ip, static_cast<unsigned short>(std::stoul(port))));
}

std::string ms(std::chrono::milliseconds t) { return std::to_string(t.count()) + " ms"; }

// One connection to clamd. Each call is one step with its own deadline; the
// first failure is kept in error() and every later step fails at once.
class connection {
public:
  explicit connection(const clamd_options& o) : o_(o) {}

  [[nodiscard]] bool open() {
    std::string why;
    const auto at = endpoint_of(o_.address, why);
    if (!at) return fail(why);
    const auto ec = run(clock::now() + o_.io_timeout,
                        [&](auto done) { socket_.async_connect(*at, [done](error_code e) mutable { done(e, 0); }); });
    if (ec == asio::error::timed_out) return fail("no connection within " + ms(o_.io_timeout));
    if (ec) return fail("connect: " + ec.message());
    return true;
  }

  [[nodiscard]] bool write(const std::vector<asio::const_buffer>& bufs, const char* what) {
    if (failed()) return false;
    const auto ec = run(clock::now() + o_.io_timeout, [&](auto done) { asio::async_write(socket_, bufs, done); });
    if (ec == asio::error::timed_out) return fail(std::string(what) + " not taken within " + ms(o_.io_timeout));
    if (ec) return fail(std::string(what) + ": " + ec.message());
    return true;
  }

  /// One NUL-terminated reply (up to clamd_max_reply bytes) within `timeout`.
  [[nodiscard]] std::optional<std::string> read_reply(std::chrono::milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    std::string reply;
    std::array<char, 512> buf{};
    while (reply.find('\0') == std::string::npos) {
      if (reply.size() >= proto::clamd_max_reply) {
        fail("a reply longer than " + std::to_string(proto::clamd_max_reply) + " bytes");
        return std::nullopt;
      }
      std::size_t n = 0;
      const auto ec = run(deadline, [&](auto done) { socket_.async_read_some(asio::buffer(buf), done); }, &n);
      if (ec == asio::error::timed_out) {
        fail("no reply within " + ms(timeout));
        return std::nullopt;
      }
      if (ec == asio::error::eof) {
        if (!reply.empty()) return reply;  // clamd closes after its reply; a NUL may be all that is missing
        fail("clamd closed the connection without a reply");
        return std::nullopt;
      }
      if (ec) {
        fail("reading the reply: " + ec.message());
        return std::nullopt;
      }
      reply.append(buf.data(), n);
    }
    return reply.substr(0, reply.find('\0') + 1);
  }

  /// After a failed write: clamd may have said why before it closed (the
  /// INSTREAM size limit). Reads it, briefly; empty when there is nothing.
  std::string reply_after_failure() {
    const auto first = error_;
    error_.clear();
    const auto r = read_reply(std::min(o_.io_timeout, std::chrono::milliseconds(1000)));
    error_ = first;
    return r ? *r : std::string();
  }

  [[nodiscard]] bool failed() const { return !error_.empty(); }
  [[nodiscard]] const std::string& error() const { return error_; }
  bool fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }

private:
  // Starts an operation whose completion is (error_code, size_t) and runs the
  // io_context until it completes; at the deadline it is cancelled and
  // timed_out returned instead.
  template <class Start>
  error_code run(clock::time_point deadline, Start&& start, std::size_t* n_out = nullptr) {
    std::optional<error_code> done;
    std::size_t n = 0;
    start([&](error_code ec, std::size_t k) {
      done = ec;
      n = k;
    });
    io_.restart();
    while (!done && io_.run_one_until(deadline) > 0) {
    }
    if (!done) {
      error_code ignored;
      socket_.cancel(ignored);
      while (!done) io_.run_one();  // the cancelled operation completes; its handler refers to `done`
      // A write cut short leaves the stream mid-chunk: the connection is unusable.
      socket_.close(ignored);
      return asio::error::timed_out;
    }
    if (n_out) *n_out = n;
    return *done;
  }

  const clamd_options& o_;
  asio::io_context io_{1};
  generic_stream::socket socket_{io_};
  std::string error_;
};

// One z-command on its own connection: its reply, or nullopt and why.
std::optional<std::string> ask(const clamd_options& o, std::string_view command, std::string& why) {
  connection c(o);
  if (c.open() && c.write({asio::buffer(command.data(), command.size())}, "sending the command")) {
    if (auto r = c.read_reply(o.io_timeout)) return r;
  }
  why = c.error();
  return std::nullopt;
}

// zVERSION; on failure, error says why (without the address: callers add it).
proto::clamd_version_info query_version(const clamd_options& o) {
  std::string why;
  const auto r = ask(o, proto::clamd_version, why);
  if (!r) {
    proto::clamd_version_info v;
    v.error = why;
    return v;
  }
  return proto::parse_version(*r);
}

scan_result unavailable(const std::string& address, const std::string& why) {
  scan_result r;
  r.what = scan_result::kind::unavailable;
  r.error = "clamd at " + address + ": " + why;
  return r;
}

// One INSTREAM: the version before, the stream, the reply, the version after.
// Small feeds are gathered into chunks of chunk_bytes (one header and one
// write each); large ones go out in chunk_bytes pieces without a copy.
class instream_scan final : public clamd_stream {
public:
  explicit instream_scan(const clamd_options& o) : o_(o), conn_(o_) {
    if (o_.chunk_bytes == 0 || o_.chunk_bytes > 0xffffffffu) {
      conn_.fail("chunk_bytes must be 1 .. 4 GiB - 1");
      return;
    }
    before_ = query_version(o_);
    if (!before_.ok) {
      conn_.fail("VERSION before the scan: " + before_.error);
      return;
    }
    if (conn_.open()) (void)conn_.write({asio::buffer(proto::clamd_instream.data(), proto::clamd_instream.size())}, "sending INSTREAM");
    pending_.reserve(o_.chunk_bytes);
  }

  void feed(const void* data, std::size_t size) override {
    if (conn_.failed() || finished_ || size == 0) return;
    auto p = static_cast<const std::uint8_t*>(data);
    if (!pending_.empty()) {
      const auto take = std::min(size, o_.chunk_bytes - pending_.size());
      pending_.insert(pending_.end(), p, p + take);
      p += take;
      size -= take;
      if (pending_.size() < o_.chunk_bytes) return;
      if (!send_chunk(pending_.data(), pending_.size())) return;
      pending_.clear();
    }
    while (size >= o_.chunk_bytes) {
      if (!send_chunk(p, o_.chunk_bytes)) return;
      p += o_.chunk_bytes;
      size -= o_.chunk_bytes;
    }
    pending_.insert(pending_.end(), p, p + size);
  }

  scan_result finish() override {
    if (finished_) return result_;
    finished_ = true;
    result_ = complete();
    return result_;
  }

private:
  scan_result complete() {
    if (!pending_.empty() && !send_chunk(pending_.data(), pending_.size())) return failure();
    const auto end = proto::instream_chunk_header(0);
    if (!conn_.write({asio::buffer(end)}, "ending the stream")) return failure();
    const auto reply = conn_.read_reply(o_.io_timeout);
    if (!reply) return failure();
    const auto parsed = proto::parse_scan_reply(*reply);
    if (parsed.what == proto::scan_reply::kind::error) return unavailable(o_.address, "clamd: " + parsed.error);

    scan_result r;
    r.what = parsed.what == proto::scan_reply::kind::infected ? scan_result::kind::infected : scan_result::kind::clean;
    r.signature = parsed.signature;
    // A RELOAD between the two versions: the verdict may come from either
    // database, so it names both and no cache entry ever matches it.
    const auto after = query_version(o_);
    const auto& a = after.ok ? after.db_version : std::string("?");
    r.db_version = a == before_.db_version ? a : before_.db_version + "->" + a;
    return r;
  }

  bool send_chunk(const std::uint8_t* p, std::size_t n) {
    header_ = proto::instream_chunk_header(static_cast<std::uint32_t>(n));
    return conn_.write({asio::buffer(header_), asio::buffer(p, n)}, "streaming to clamd");
  }

  // A failed stream: clamd's own words when it said why (StreamMaxLength).
  scan_result failure() {
    if (auto said = conn_.reply_after_failure(); !said.empty()) {
      const auto parsed = proto::parse_scan_reply(said);
      if (parsed.what == proto::scan_reply::kind::error) return unavailable(o_.address, "clamd: " + parsed.error);
    }
    return unavailable(o_.address, conn_.error());
  }

  clamd_options o_;
  connection conn_;
  proto::clamd_version_info before_;
  std::vector<std::uint8_t> pending_;
  std::array<std::uint8_t, 4> header_{};
  bool finished_ = false;
  scan_result result_;
};

} // namespace

clamd_client::clamd_client(clamd_options o) : o_(std::move(o)) {}
clamd_client::~clamd_client() = default;

std::unique_ptr<clamd_stream> clamd_client::instream() { return std::make_unique<instream_scan>(o_); }

scan_result clamd_client::scan_fd(int fd) {
  auto s = instream();
  std::vector<std::uint8_t> buf(std::max<std::size_t>(std::min<std::size_t>(o_.chunk_bytes, 4u << 20), 64u << 10));
  off_t at = 0;  // pread: the whole file, wherever the descriptor's offset is
  for (;;) {
    const auto n = ::pread(fd, buf.data(), buf.size(), at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return unavailable(o_.address, std::string("reading the file to scan: ") + std::strerror(errno));
    if (n == 0) break;
    s->feed(buf.data(), static_cast<std::size_t>(n));
    at += n;
  }
  return s->finish();
}

proto::clamd_version_info clamd_client::version() {
  auto v = query_version(o_);
  if (!v.ok) v.error = "clamd at " + o_.address + ": " + v.error;
  return v;
}

bool clamd_client::ping() {
  std::string why;
  const auto r = ask(o_, proto::clamd_ping, why);
  return r && std::string_view(*r).substr(0, 4) == "PONG";
}

} // namespace storemesh::agents::access_server
