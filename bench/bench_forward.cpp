// bench_forward: datagrams/s through one router's data plane on loopback,
// against references measured in the same run (DESIGN.md, "How we test"):
//
//   sender -> plane (r1) -> sink    plane/PAYLOAD/LOG: datagram_plane, ingress
//                                   stamping, forwarding_step (decode, LPM by
//                                   epoch, rewrite, re-encode), sendmmsg to the
//                                   next hop; LOG 1 also writes the receive log
//   sender -> relay -> sink         relay/PAYLOAD: the same udp_batch_socket
//                                   loop (recvmmsg, sendmmsg) forwarding the
//                                   bytes untouched: no decode, no lookup
//   sender -> sink                  direct/PAYLOAD: no hop at all (the floor)
//
// plane/relay is the cost of routing on top of moving the datagrams. The
// sender and the sink are one thread (the benchmark's), the plane or relay
// its own io thread: two threads for the machine's two cores. The sender
// keeps at most `window` datagrams in flight (sent, not yet at the sink), far
// below the sockets' buffers, so none is dropped for want of room; an
// iteration waits for all of its datagrams (a datagram missing for 200 ms is
// counted in `lost`, which should stay 0). Times are wall-clock (UseRealTime):
// the work is on two threads and in the kernel.
//
//   bench_forward [--benchmark_repetitions=N] [--benchmark_filter=...] [--benchmark_min_time=...]

#include "actors/agents/router_plane/datagram_plane.hpp"
#include "actors/agents/router_plane/udp_batch.hpp"
#include "bench/machine_info.hpp"
#include "services/consensus/topology/forwarding_datagram.hpp"
#include "services/consensus/topology/route_prefix.hpp"

#include <benchmark/benchmark.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

namespace rp = storemesh::actors::router_plane;
namespace sc = storemesh::services::consensus;
namespace asio = boost::asio;

namespace {

constexpr std::size_t per_iteration = 4096;  // datagrams through the hop per benchmark iteration
constexpr std::size_t window = 512;          // most in flight
constexpr std::size_t batch = 32;            // sendmmsg / recvmmsg at the sender and the sink

const char* topology_text = "topology 1\nprefix 10.3.0.0/16 at r2\nroute r1 10.3.0.0/16 via r2 metric 1\n";

// A bound UDP socket with big buffers, non-blocking.
struct socket_fd {
  asio::io_context io;
  asio::ip::udp::socket s{io};
  socket_fd() {
    s.open(asio::ip::udp::v4());
    s.set_option(asio::socket_base::receive_buffer_size(4 << 20));
    s.set_option(asio::socket_base::send_buffer_size(4 << 20));
    s.bind(asio::ip::udp::endpoint(asio::ip::address_v4::loopback(), 0));
    s.native_non_blocking(true);
  }
  int fd() { return s.native_handle(); }
  rp::udp_endpoint endpoint() { return s.local_endpoint(); }
};

// The sender and the sink, driven from the benchmark's thread.
struct traffic {
  socket_fd sender, sink;
  rp::udp_endpoint to;
  std::vector<std::uint8_t> wire;
  std::vector<iovec> send_iov;
  std::vector<mmsghdr> send_msgs;
  std::vector<std::uint8_t> recv_bytes;
  std::vector<iovec> recv_iov;
  std::vector<mmsghdr> recv_msgs;
  std::uint64_t lost = 0;

  explicit traffic(std::size_t payload) : send_iov(batch), send_msgs(batch), recv_bytes(batch * 2048), recv_iov(batch), recv_msgs(batch) {
    sc::forwarding_datagram d;
    d.destination = sc::parse_ipv4("10.3.0.9").value();
    d.source = sc::parse_ipv4("10.9.0.1").value();
    d.flow = 1;
    d.payload.assign(payload, 0x5a);
    wire = sc::encode_datagram(d).value();  // unstamped: the plane stamps it on ingress
    for (std::size_t i = 0; i < batch; ++i) {
      recv_iov[i] = {recv_bytes.data() + 2048 * i, 2048};
      std::memset(&recv_msgs[i], 0, sizeof(mmsghdr));
      recv_msgs[i].msg_hdr.msg_iov = &recv_iov[i];
      recv_msgs[i].msg_hdr.msg_iovlen = 1;
    }
  }

  void aim(const rp::udp_endpoint& ep) {
    to = ep;
    for (std::size_t i = 0; i < batch; ++i) {
      send_iov[i] = {wire.data(), wire.size()};
      std::memset(&send_msgs[i], 0, sizeof(mmsghdr));
      send_msgs[i].msg_hdr.msg_name = const_cast<sockaddr*>(to.data());
      send_msgs[i].msg_hdr.msg_namelen = static_cast<socklen_t>(to.size());
      send_msgs[i].msg_hdr.msg_iov = &send_iov[i];
      send_msgs[i].msg_hdr.msg_iovlen = 1;
    }
  }

  // Sends `n` datagrams and waits for all of them at the sink.
  void pump(std::size_t n) {
    std::size_t sent = 0, done = 0;  // done: arrived or given up
    while (done < n) {
      while (sent < n && sent - done < window) {
        const auto k = static_cast<unsigned>(std::min({batch, n - sent, window - (sent - done)}));
        const int r = ::sendmmsg(sender.fd(), send_msgs.data(), k, 0);
        if (r > 0) sent += static_cast<std::size_t>(r);
        else break;  // EAGAIN: drain the sink first
      }
      const int got = ::recvmmsg(sink.fd(), recv_msgs.data(), batch, MSG_DONTWAIT, nullptr);
      if (got > 0) {
        done += static_cast<std::size_t>(got);
        continue;
      }
      if (sent == done) continue;
      pollfd p{sink.fd(), POLLIN, 0};
      if (::poll(&p, 1, 200) == 0) {  // nothing for 200 ms: what is in flight is lost
        lost += sent - done;
        done = sent;
      }
    }
  }
};

// The reference hop: the same loop, the bytes forwarded untouched.
struct relay_handler final : rp::udp_batch_socket::handler {
  rp::udp_endpoint next;
  void on_batch(rp::udp_batch_socket::received* in, std::size_t n, std::vector<rp::udp_batch_socket::outgoing>& out) override {
    for (std::size_t i = 0; i < n; ++i) out.push_back({in[i].data, in[i].size, &next, i});
  }
};

void finish(benchmark::State& state, traffic& t) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * per_iteration));
  state.counters["lost"] = static_cast<double>(t.lost);
}

void plane(benchmark::State& state) {
  traffic t(static_cast<std::size_t>(state.range(0)));
  char dir[] = "/tmp/bench-forward-XXXXXX";
  const bool logged = state.range(1) != 0;
  if (logged && !::mkdtemp(dir)) return state.SkipWithError("mkdtemp");
  rp::plane_options o;
  o.router = "r1";
  if (logged) o.receive_log = std::string(dir) + "/r1.log";
  auto p = rp::datagram_plane::start(o);
  if (!p) return state.SkipWithError(p.error().message().c_str());
  auto& r1 = *p.value();
  const auto sink = t.sink.endpoint();
  if (!r1.set_peers({{"r2", "127.0.0.1:" + std::to_string(sink.port())}}) ||
      !r1.install(sc::topology_epoch{1}, sc::parse_topology(topology_text).value()) || !r1.stamp_with(sc::topology_epoch{1}))
    return state.SkipWithError("plane setup");
  t.aim(rp::udp_endpoint(asio::ip::address_v4::loopback(), r1.port()));
  for (auto _ : state) t.pump(per_iteration);
  r1.stop();
  const auto c = r1.counters();
  if (c.forwarded == 0) state.SkipWithError("nothing forwarded");
  finish(state, t);
  state.counters["plane_drops"] = static_cast<double>(c.dropped_total());
  if (logged) {
    ::unlink(o.receive_log.c_str());
    ::rmdir(dir);
  }
}
BENCHMARK(plane)->ArgNames({"payload", "log"})->Args({64, 0})->Args({1366, 0})->Args({64, 1})->UseRealTime();

void relay(benchmark::State& state) {
  traffic t(static_cast<std::size_t>(state.range(0)));
  relay_handler h;
  h.next = t.sink.endpoint();
  auto s = rp::udp_batch_socket::open(rp::udp_endpoint(asio::ip::address_v4::loopback(), 0));
  if (!s) return state.SkipWithError(s.error().message().c_str());
  s.value()->run(h, "relay");
  t.aim(rp::udp_endpoint(asio::ip::address_v4::loopback(), s.value()->port()));
  for (auto _ : state) t.pump(per_iteration);
  s.value()->stop();
  finish(state, t);
}
BENCHMARK(relay)->ArgName("payload")->Arg(64)->Arg(1366)->UseRealTime();

void direct(benchmark::State& state) {
  traffic t(static_cast<std::size_t>(state.range(0)));
  t.aim(t.sink.endpoint());
  for (auto _ : state) t.pump(per_iteration);
  finish(state, t);
}
BENCHMARK(direct)->ArgName("payload")->Arg(64)->Arg(1366)->UseRealTime();

// Keeps each run's wall time per iteration for the ratios printed at the end:
// the median when --benchmark_repetitions gives one (a busy machine's figures
// vary run to run), else the run itself.
class ratio_reporter : public benchmark::ConsoleReporter {
public:
  std::map<std::string, double> ns;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      if (r.run_type == Run::RT_Iteration && !medians_.count(r.run_name.str()))
        ns[r.run_name.str()] = r.GetAdjustedRealTime();
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "median") {
        ns[r.run_name.str()] = r.GetAdjustedRealTime();
        medians_.insert(r.run_name.str());
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

private:
  std::set<std::string> medians_;
};

} // namespace

int main(int argc, char** argv) {
  std::printf("bench_forward  cpu: %s  load: %s  build: %s\ncommand: %s\n", storemesh::bench::cpu_model().c_str(),
              storemesh::bench::first_line("/proc/loadavg").c_str(), storemesh::bench::build_kind(),
              storemesh::bench::command_line(argc, argv).c_str());
  benchmark::Initialize(&argc, argv);
  ratio_reporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  auto& t = rep.ns;
  const auto per_s = [](double ns_per_iteration) { return ns_per_iteration > 0 ? per_iteration * 1e9 / ns_per_iteration : 0.0; };
  std::printf("\n");
  for (const char* payload : {"64", "1366"}) {
    const std::string p = payload, pl = "plane/payload:" + p + "/log:0", re = "relay/payload:" + p + "/real_time",
                      di = "direct/payload:" + p + "/real_time";
    const std::string plr = pl + "/real_time";
    if (!t.count(plr) || !t.count(re)) continue;
    std::printf("payload %5s B: plane %.0f datagrams/s, relay %.0f/s, plane/relay %.2f", payload, per_s(t[plr]),
                per_s(t[re]), t[re] / t[plr]);
    if (t.count(di)) std::printf("; direct (no hop) %.0f/s", per_s(t[di]));
    std::printf("\n");
  }
  if (t.count("plane/payload:64/log:1/real_time") && t.count("plane/payload:64/log:0/real_time"))
    std::printf("payload    64 B with the receive log: %.0f datagrams/s, %.2f of the plane without it\n",
                per_s(t["plane/payload:64/log:1/real_time"]),
                t["plane/payload:64/log:0/real_time"] / t["plane/payload:64/log:1/real_time"]);
  benchmark::Shutdown();
  return 0;
}
