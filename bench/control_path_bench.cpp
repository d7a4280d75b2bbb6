// bench_control_path: the TCP side of the control path on loopback, against
// references measured in the same run (DESIGN.md, "How we test"):
//
//   (a) control round trips/s
//       interceptor   a trivial handler behind the interceptor: classify,
//                     frame decode, the worker pool hop and back, encode,
//                     the reply written in order
//       echo          a plain TCP server on the same kind of loop (Boost.Asio,
//                     one io thread) that reads the request's bytes and
//                     writes the reply's bytes, with no protocol at all
//     Each one at a time (one in flight) and pipelined (16 in flight), with a
//     raw client (pre-encoded request, reads the reply's size: what the host
//     costs) and, one at a time, with control_client (what a caller gets).
//   (b) pass-through bytes/s
//       interceptor   client -> interceptor (relay) -> sink, by splice(2)
//                     through a pipe (the default) and by read/write
//       direct        client -> sink
//
// The handler is a parameter of control_rows(): the lead's full FC path (a
// handler that converts to FCP and waits for FCP_RSP) is one more call there.
//
//   bench_control_path [--seconds S] [--runs N] [--mib N] [--relay-kib N]
//   bench_control_path --remote HOST:PORT --storage NAME [--operation OP] [--lun N]
//                      [--in-flight N[,N...]] [--seconds S]
//     (c) the full path through a running host, vs an echo and the FC link
//     alone (control_path_full.hpp; control_path_bench.sh sets a host up)

#include "actors/agents/control_path/control_client.hpp"
#include "actors/agents/control_path/interceptor.hpp"
#include "bench/control_path_echo.hpp"
#include "bench/control_path_full.hpp"
#include "bench/machine_info.hpp"

#include <boost/asio.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace cp = storemesh::services::control_path;
namespace ctl = storemesh::agents::control_path;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

using storemesh::bench::echo_server;

struct options {
  double seconds = 2;     // per measurement
  int runs = 3;           // best of
  std::size_t mib = 512;  // pass-through volume per run
  std::size_t relay_kib = 64;  // the interceptor's relay buffer per direction
};

[[noreturn]] void usage(int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: bench_control_path [--seconds S] [--runs N] [--mib N] [--relay-kib N]\n"
               "  --seconds S  time per round-trip measurement (default 2)\n"
               "  --runs N     best of N (default 3)\n"
               "  --mib N      MiB per pass-through run (default 512)\n"
               "  --relay-kib N  the interceptor's relay buffer per direction (default 64)\n"
               "       bench_control_path --remote HOST:PORT --storage NAME [--operation OP] [--lun N]\n"
               "                          [--in-flight N[,N...]] [--seconds S]\n"
               "  the full control path through a running host (default test-unit-ready, LUN 0,\n"
               "  in flight 1,16, 5 s per row), vs a TCP echo and the FC link alone\n");
  std::exit(code);
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "bench_control_path: %s\n", what.c_str());
  std::exit(1);
}

ctl::control_request inquiry() {
  ctl::control_request r;
  r.id.fill(0x5a);
  r.storage = "array-1";
  r.operation = "inquiry";
  return r;
}

// What a trivial handler answers: a standard INQUIRY's 36 bytes of data.
ctl::control_reply trivial_reply() {
  ctl::control_reply out;
  out.ok = true;
  out.data.assign(36, 0x20);
  out.path = {"host-a"};
  return out;
}

// Best of `runs`: round trips/s of `one_batch` (which does `per_batch` round trips).
template <class F>
double best_rate(const options& o, std::size_t per_batch, F&& one_batch) {
  double best = 0;
  for (int r = 0; r <= o.runs; ++r) {  // run 0 warms up, not counted
    const auto t0 = clock_type::now();
    std::size_t done = 0;
    const double limit = r == 0 ? o.seconds / 4 : o.seconds;
    double s = 0;
    while ((s = std::chrono::duration<double>(clock_type::now() - t0).count()) < limit) {
      one_batch();
      done += per_batch;
    }
    if (r > 0) best = std::max(best, static_cast<double>(done) / s);
  }
  return best;
}

// Raw client: `depth` requests in one write, then their replies' bytes.
double raw_round_trips(const options& o, std::uint16_t port, const cp::bytes& request, std::size_t reply_size, std::size_t depth) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
  s.set_option(tcp::no_delay(true));
  cp::bytes out;
  for (std::size_t k = 0; k < depth; ++k) out.insert(out.end(), request.begin(), request.end());
  std::vector<std::uint8_t> in(reply_size * depth);
  return best_rate(o, depth, [&] {
    asio::write(s, asio::buffer(out));
    asio::read(s, asio::buffer(in));
  });
}

struct control_figures {
  double one = 0, pipelined = 0, client = 0;
};

// (a) for one handler. Add the FC path as another call with its handler.
control_figures control_rows(const options& o, ctl::control_handler handler) {
  ctl::interceptor_options io;
  io.workers = 1;  // the machine has two cores: the io thread and one worker
  auto i = ctl::interceptor::start(io, std::move(handler));
  if (!i) fail(i.error().message());
  const auto request = cp::encode_request(inquiry()).value();
  auto reply = trivial_reply();
  reply.id = inquiry().id;
  const auto reply_size = cp::encode_reply(reply).value().size();
  control_figures f;
  f.one = raw_round_trips(o, i.value()->port(), request, reply_size, 1);
  f.pipelined = raw_round_trips(o, i.value()->port(), request, reply_size, 16);
  auto c = ctl::control_connection::open("127.0.0.1:" + std::to_string(i.value()->port()), std::chrono::seconds(5));
  if (!c) fail(c.error().message());
  f.client = best_rate(o, 1, [&] {
    auto r = c.value().call(inquiry(), std::chrono::seconds(10));
    if (!r || !r.value().ok) fail("call: " + (r ? r.value().error_code : r.error().message()));
  });
  return f;
}

// A sink: reads each connection to EOF and closes it.
class sink_server {
public:
  sink_server() : acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    thread_ = std::thread([this] {
      for (;;) {
        tcp::socket s(io_);
        boost::system::error_code ec;
        acceptor_.accept(s, ec);
        if (ec || stopping_) return;
        std::vector<std::uint8_t> buf(256 * 1024);
        while (!ec) s.read_some(asio::buffer(buf), ec);
      }
    });
  }
  ~sink_server() {
    stopping_ = true;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// Bytes/s of `mib` MiB written to `port` until the far end has read them all
// (it closes after EOF; our read of that EOF ends the clock). Best of runs.
double stream_rate(const options& o, std::uint16_t port) {
  std::vector<std::uint8_t> chunk(256 * 1024, 0x58);  // 'X': never "SMCP"
  const std::size_t total = o.mib << 20;
  double best = 0;
  for (int r = 0; r <= o.runs; ++r) {
    asio::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
    const auto t0 = clock_type::now();
    for (std::size_t sent = 0; sent < total; sent += chunk.size()) asio::write(s, asio::buffer(chunk));
    s.shutdown(tcp::socket::shutdown_send);
    boost::system::error_code ec;
    std::uint8_t b;
    s.read_some(asio::buffer(&b, 1), ec);  // EOF once the sink has everything
    const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
    if (r > 0) best = std::max(best, static_cast<double>(total) / secs);
  }
  return best;
}

} // namespace

int main(int argc, char** argv) {
  options o;
  storemesh::bench::full_path_options full;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") usage(0);
    if (i + 1 >= argc) usage(2);
    const std::string text = argv[++i];
    if (a == "--remote") { full.remote = text; continue; }
    if (a == "--storage") { full.storage = text; continue; }
    if (a == "--operation") { full.operation = text; continue; }
    if (a == "--in-flight") {
      full.in_flight.clear();
      for (std::size_t at = 0; at <= text.size();) {  // "1,16"
        const auto comma = std::min(text.find(',', at), text.size());
        const auto n = std::strtoul(text.substr(at, comma - at).c_str(), nullptr, 10);
        if (n == 0 || n > 1024) usage(2);
        full.in_flight.push_back(n);
        at = comma + 1;
      }
      continue;
    }
    if (a == "--lun") { full.lun = std::strtoull(text.c_str(), nullptr, 10); continue; }
    const double v = std::strtod(text.c_str(), nullptr);
    if (v <= 0) usage(2);
    if (a == "--seconds") o.seconds = full.seconds = v;
    else if (a == "--runs") o.runs = static_cast<int>(v);
    else if (a == "--mib") o.mib = static_cast<std::size_t>(v);
    else if (a == "--relay-kib") o.relay_kib = static_cast<std::size_t>(v);
    else usage(2);
  }
  storemesh::bench::print_header("bench_control_path", argc, argv, storemesh::bench::default_scratch_base());
  if (!full.remote.empty() || !full.storage.empty()) {
    if (full.remote.empty() || full.storage.empty()) usage(2);
    storemesh::bench::run_full_path(full);
    return 0;
  }

  // (a) control round trips
  const auto request = cp::encode_request(inquiry()).value();
  auto reply = trivial_reply();
  reply.id = inquiry().id;
  const auto reply_size = cp::encode_reply(reply).value().size();
  double echo_one = 0, echo_pipelined = 0;
  {
    echo_server echo(request.size(), reply_size);
    echo_one = raw_round_trips(o, echo.port(), request, reply_size, 1);
    echo_pipelined = raw_round_trips(o, echo.port(), request, reply_size, 16);
  }
  const auto trivial = control_rows(o, [](const ctl::control_request&) { return trivial_reply(); });
  std::printf("\n(a) control round trips/s, request %zu B, reply %zu B, best of %d x %.1f s\n", request.size(), reply_size,
              o.runs, o.seconds);
  std::printf("  %-44s %12.0f/s   echo %12.0f/s   ratio %.2f\n", "interceptor, trivial handler, 1 in flight", trivial.one,
              echo_one, trivial.one / echo_one);
  std::printf("  %-44s %12.0f/s   echo %12.0f/s   ratio %.2f\n", "interceptor, trivial handler, 16 in flight",
              trivial.pipelined, echo_pipelined, trivial.pipelined / echo_pipelined);
  std::printf("  %-44s %12.0f/s   echo %12.0f/s   ratio %.2f\n", "control_client::call, trivial handler", trivial.client,
              echo_one, trivial.client / echo_one);

  // (b) pass-through: splice (the default) and the read/write copy, vs direct
  sink_server sink;
  const double direct = stream_rate(o, sink.port());
  std::printf("\n(b) pass-through, %zu MiB per run, best of %d, relay buffer %zu KiB per direction\n", o.mib, o.runs,
              o.relay_kib);
  for (const bool splice : {true, false}) {
    ctl::interceptor_options io;
    io.upstream = "127.0.0.1:" + std::to_string(sink.port());
    io.relay_buffer = o.relay_kib * 1024;
    io.relay_splice = splice;
    auto i = ctl::interceptor::start(io, [](const ctl::control_request&) { return trivial_reply(); });
    if (!i) fail(i.error().message());
    const double through = stream_rate(o, i.value()->port());
    const auto c = i.value()->counters();
    if (c.bytes_to_upstream != (o.runs + 1) * (o.mib << 20)) fail("the relay lost bytes");
    std::printf("  %-44s %9.0f MB/s   direct %9.0f MB/s   ratio %.2f\n",
                splice ? "through the interceptor, splice(2)" : "through the interceptor, read/write copy", through / 1e6,
                direct / 1e6, through / direct);
  }
  return 0;
}
