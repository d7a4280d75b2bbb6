// bench_control_path --remote: see control_path_full.hpp.

#include "bench/control_path_full.hpp"

#include "actors/agents/control_path/control_client.hpp"
#include "actors/agents/storage_system/fc_initiator.hpp"
#include "actors/agents/storage_system/fc_port_server.hpp"
#include "actors/agents/storage_system/file_luns.hpp"
#include "bench/control_path_echo.hpp"
#include "services/control_path/scsi_commands.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <random>
#include <stdlib.h>

namespace storemesh::bench {
namespace {

namespace cp = services::control_path;
namespace ctl = agents::control_path;
namespace ss = actors::storage_system;
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "bench_control_path: %s\n", what.c_str());
  std::exit(1);
}

double seconds_between(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

struct window_figures {
  std::size_t done = 0;
  double seconds = 0;
  std::vector<double> latency_us;  // per round trip, send to reply
  double rate() const { return seconds > 0 ? static_cast<double>(done) / seconds : 0; }
  double percentile(double q) const {
    if (latency_us.empty()) return 0;
    auto v = latency_us;
    const auto k = std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
  }
};

// A sliding window of `depth` requests in flight for `seconds`: send() issues
// one, receive() waits for the oldest one's reply. New requests stop at the
// deadline; the ones in flight are still counted, and the clock stops at the
// last reply.
template <class Send, class Receive>
window_figures run_window(std::size_t depth, double seconds, Send&& send, Receive&& receive) {
  window_figures f;
  std::deque<clock_type::time_point> sent;
  const auto t0 = clock_type::now();
  for (std::size_t k = 0; k < depth; ++k) {
    sent.push_back(clock_type::now());
    send();
  }
  while (!sent.empty()) {
    receive();
    const auto now = clock_type::now();
    f.latency_us.push_back(seconds_between(sent.front(), now) * 1e6);
    sent.pop_front();
    ++f.done;
    if (seconds_between(t0, now) < seconds) {
      sent.push_back(clock_type::now());
      send();
    }
  }
  f.seconds = seconds_between(t0, clock_type::now());
  return f;
}

// Fresh ids: a per-run random prefix and a counter, so no id repeats across
// runs against the same log (the host would refuse it as already converted).
class request_maker {
public:
  explicit request_maker(const full_path_options& o) : o_(o) {
    std::random_device rd;
    prefix_ = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }
  cp::control_request next() {
    cp::control_request r;
    const std::uint64_t n = ++count_;
    for (int k = 0; k < 8; ++k) {
      r.id[k] = static_cast<std::uint8_t>(prefix_ >> (8 * k));
      r.id[8 + k] = static_cast<std::uint8_t>(n >> (8 * k));
    }
    r.issued_at_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    r.storage = o_.storage;
    r.operation = o_.operation;
    r.lun = o_.lun;
    return r;
  }

private:
  const full_path_options& o_;
  std::uint64_t prefix_ = 0, count_ = 0;
};

// Through the host: control_connection, `depth` in flight, replies checked
// against the ids in order; the first refused or failed request ends the run.
window_figures through_host(const full_path_options& o, request_maker& make, std::size_t depth, double seconds,
                            std::size_t& reply_size) {
  auto c = ctl::control_connection::open(o.remote, std::chrono::seconds(5));
  if (!c) fail("connecting to " + o.remote + ": " + c.error().message());
  std::deque<cp::request_id> ids;
  return run_window(
      depth, seconds,
      [&] {
        const auto r = make.next();
        ids.push_back(r.id);
        if (auto s = c.value().send(r, std::chrono::seconds(10)); !s) fail("send: " + s.error().message());
      },
      [&] {
        auto r = c.value().receive(std::chrono::seconds(60));
        if (!r) fail("receive: " + r.error().message());
        const auto& reply = r.value();
        if (!reply.ok) fail("the host refused a request: " + reply.error_code + ": " + reply.message);
        if (reply.id != ids.front()) fail("a reply out of order");
        ids.pop_front();
        reply_size = cp::encode_reply(reply).value().size();
      });
}

// The reference: the same window over a raw socket to the echo.
window_figures through_echo(std::uint16_t port, const cp::bytes& request, std::size_t reply_size, std::size_t depth,
                            double seconds) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
  s.set_option(tcp::no_delay(true));
  std::vector<std::uint8_t> in(reply_size);
  return run_window(
      depth, seconds, [&] { asio::write(s, asio::buffer(request)); }, [&] { asio::read(s, asio::buffer(in)); });
}

// The FC link alone, in-process: the storage's port over file LUNs and the
// host's initiator, one exchange at a time (the initiator serializes them).
window_figures fc_alone(const full_path_options& o, const cp::built_command& cmd, double seconds) {
  std::string t = (fs::temp_directory_path() / "bench-fc-XXXXXX").string();
  if (!::mkdtemp(t.data())) fail("mkdtemp failed");
  const fs::path dir = t;
  window_figures f;
  {
    auto luns = ss::file_luns::open((dir / "luns").string(), {{o.lun, 8 << 20}});
    if (!luns) fail("file LUNs: " + luns.error().message());
    ss::port_server_options po;
    po.socket_path = (dir / "fc.sock").string();
    po.storage_name = "bench";
    auto port = ss::fc_port_server::start(po, *luns.value());
    if (!port) fail("FC port: " + port.error().message());
    ss::fc_initiator initiator(ss::initiator_options{po.socket_path});
    std::uint16_t ox = 0x0100;
    result<cp::scsi_outcome> last = make_error(std::errc::invalid_argument, "nothing ran");
    const auto one = [&] {
      ox = ox >= 0xFEFF ? 0x0001 : ox + 1;  // FF00-FFFE are the initiator's ELS OX_IDs
      last = initiator.execute(ox, o.lun, cmd.cdb, cmd.data_in_length, std::chrono::seconds(5), cmd.data_out);
    };
    const auto check = [&] {
      if (!last) fail("FC exchange: " + last.error().message());
      if (last.value().status != 0) fail("FC exchange: SCSI status " + std::to_string(last.value().status));
    };
    (void)run_window(1, std::min(0.5, seconds / 4), one, check);  // warm-up: connect and log in
    f = run_window(1, seconds, one, check);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return f;
}

void row(const char* what, const window_figures& f, const window_figures* echo) {
  std::printf("  %-40s %9.0f/s  p50 %8.0f us  p99 %8.0f us", what, f.rate(), f.percentile(0.5), f.percentile(0.99));
  if (echo)
    std::printf("   echo %9.0f/s  ratio %.4f", echo->rate(), f.rate() / echo->rate());
  std::printf("\n");
}

} // namespace

void run_full_path(const full_path_options& o) {
  const auto cmd = cp::build_command(o.operation, {});
  if (!cmd) fail("--operation " + o.operation + ": " + cmd.error().message() + " (only operations without arguments)");
  request_maker make(o);
  const auto request = cp::encode_request(make.next()).value();  // the same size as every request of the run
  std::size_t reply_size = 0;

  struct measured {
    std::size_t depth;
    window_figures host, echo;
  };
  std::vector<measured> rows;
  for (const auto depth : o.in_flight) {
    // Warm-up (connection, the host's first conversions), then the row, then
    // its echo right after, with the reply size the host just sent.
    (void)through_host(o, make, depth, std::min(1.0, o.seconds / 4), reply_size);
    measured m{depth, through_host(o, make, depth, o.seconds, reply_size), {}};
    echo_server echo(request.size(), reply_size);
    (void)through_echo(echo.port(), request, reply_size, depth, std::min(0.5, o.seconds / 4));
    m.echo = through_echo(echo.port(), request, reply_size, depth, o.seconds);
    rows.push_back(std::move(m));
  }
  const auto fc = fc_alone(o, cmd.value(), o.seconds);

  std::printf("\n(c) the full control path: %s LUN %llu on %s via %s, request %zu B, reply %zu B, %.1f s per row\n",
              o.operation.c_str(), static_cast<unsigned long long>(o.lun), o.storage.c_str(), o.remote.c_str(),
              request.size(), reply_size, o.seconds);
  for (const auto& m : rows) {
    const std::string what = "through the host, " + std::to_string(m.depth) + " in flight";
    row(what.c_str(), m.host, &m.echo);
  }
  row("FC link alone (in-process), 1 in flight", fc, nullptr);
  for (const auto& m : rows)
    std::printf("  through the host, %zu in flight / FC link alone: %.4f\n", m.depth, m.host.rate() / fc.rate());
}

} // namespace storemesh::bench
