#include "actors/agents/router_plane/datagram_plane.hpp"

#include "actors/agents/router_plane/plane_errc.hpp"
#include "actors/agents/router_plane/receive_log.hpp"

#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <optional>

namespace storemesh::actors::router_plane {

namespace asio = boost::asio;
using namespace services::consensus;

std::uint64_t plane_counters::dropped_total() const {
  std::uint64_t n = no_peer + send_failed;
  for (const auto d : dropped) n += d;
  return n;
}

namespace {

constexpr std::size_t epoch_offset = 27;
constexpr auto log_flush_period = std::chrono::milliseconds(50);

// What the io thread routes by: replaced whole by each control call, never changed.
struct plane_state {
  std::vector<std::pair<topology_epoch, std::shared_ptr<const forwarding_table>>> tables;  // ascending epochs
  topology_epoch stamping;
  std::map<std::string, udp_endpoint, std::less<>> peers;

  [[nodiscard]] const forwarding_table* table(topology_epoch e) const noexcept {
    for (const auto& [epoch, t] : tables)  // a handful of epochs: a scan beats a map
      if (epoch == e) return t.get();
    return nullptr;
  }
  [[nodiscard]] const udp_endpoint* peer(std::string_view router) const {
    const auto it = peers.find(router);
    return it == peers.end() ? nullptr : &it->second;
  }
};

std::uint64_t read_be(const std::uint8_t* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

const char* token(drop_reason r) {
  switch (r) {
    case drop_reason::malformed: return "malformed";
    case drop_reason::unknown_epoch: return "unknown_epoch";
    case drop_reason::no_route: return "no_route";
    case drop_reason::ttl_expired: return "ttl_expired";
  }
  return "unknown";
}

} // namespace

struct datagram_plane::impl final : udp_batch_socket::handler {
  plane_options opts;
  std::unique_ptr<udp_batch_socket> socket;
  std::unique_ptr<asio::steady_timer> flush_timer;  // declared after socket: destroyed before its io_context
  std::optional<receive_log> log;

  std::mutex control;  // serialises the control calls and stop
  std::shared_ptr<const plane_state> state = std::make_shared<const plane_state>();  // std::atomic_load/store
  bool stopped = false;

  struct {
    std::atomic<std::uint64_t> received{0}, stamped{0}, forwarded{0}, delivered{0}, no_peer{0}, send_failed{0};
    std::array<std::atomic<std::uint64_t>, 4> dropped{};
  } totals;

  // The batch being handled (io thread only): per received datagram, its outcome.
  enum class action { forward, deliver, drop, no_peer, send_failed };
  struct note {
    action what = action::drop;
    bool stamped = false;
    int error = 0;
  };
  std::vector<step_outcome> outcomes;
  std::vector<note> notes;
  udp_batch_socket::received* batch = nullptr;

  void on_batch(udp_batch_socket::received* in, std::size_t n, std::vector<udp_batch_socket::outgoing>& out) override {
    const std::shared_ptr<const plane_state> s = std::atomic_load(&state);  // once per batch, not per datagram
    const plane_state* st = s.get();
    const tables_by_epoch tables = [st](topology_epoch e) { return st->table(e); };
    batch = in;
    outcomes.clear();
    notes.assign(n, note{});
    for (std::size_t i = 0; i < n; ++i) {
      std::uint8_t* bytes = in[i].data;
      const std::size_t size = in[i].size;
      // Ingress: an unstamped datagram takes this router's stamping epoch, in place.
      if (size >= datagram_header_bytes && std::memcmp(bytes, datagram_magic, 4) == 0 &&
          read_be(bytes + epoch_offset, 4) == 0 && st->stamping.value != 0) {
        const std::uint32_t e = st->stamping.value;
        const std::uint8_t be[4] = {std::uint8_t(e >> 24), std::uint8_t(e >> 16), std::uint8_t(e >> 8), std::uint8_t(e)};
        std::memcpy(bytes + epoch_offset, be, 4);
        notes[i].stamped = true;
      }
      outcomes.push_back(forwarding_step(bytes, size, opts.router, tables));
      auto& o = outcomes.back();
      if (auto* f = std::get_if<forward_decision>(&o)) {
        const udp_endpoint* to = st->peer(f->next_hop);
        notes[i].what = to ? action::forward : action::no_peer;
        if (to) out.push_back({f->wire.data(), f->wire.size(), to, i});
      } else if (std::holds_alternative<deliver_decision>(o)) {
        notes[i].what = action::deliver;
      } else {
        notes[i].what = action::drop;
      }
    }
    held = s;  // `out` points at its peers' endpoints: kept alive until on_sent
  }

  std::shared_ptr<const plane_state> held;

  void on_sent(const std::vector<udp_batch_socket::outgoing>& out, const std::vector<int>& errors) override {
    for (std::size_t j = 0; j < out.size(); ++j)
      if (errors[j] != 0) notes[out[j].tag] = {action::send_failed, notes[out[j].tag].stamped, errors[j]};
    count_and_log();
    held.reset();
  }

  void count_and_log() {
    std::uint64_t stamped = 0, forwarded = 0, delivered = 0, no_peer = 0, send_failed = 0;
    std::array<std::uint64_t, 4> dropped{};
    std::string* line = log ? &log->buffer() : nullptr;
    for (std::size_t i = 0; i < notes.size(); ++i) {
      const note& n = notes[i];
      stamped += n.stamped;
      const std::uint8_t* b = batch[i].data;
      const auto* drop = std::get_if<drop_decision>(&outcomes[i]);
      switch (n.what) {
        case action::forward: ++forwarded; break;
        case action::deliver: ++delivered; break;
        case action::drop: ++dropped[static_cast<std::size_t>(drop->reason)]; break;
        case action::no_peer: ++no_peer; break;
        case action::send_failed: ++send_failed; break;
      }
      if (!line) continue;
      auto it = std::back_inserter(*line);
      if (drop && drop->reason == drop_reason::malformed)
        fmt::format_to(it, "- - - - ");
      else
        fmt::format_to(it, "{} {} {} {} ", read_be(b + 15, 4), read_be(b + 19, 8), read_be(b + 27, 4), b[31]);
      const char* ingress = n.stamped ? "ingress" : "";
      switch (n.what) {
        case action::forward:
          fmt::format_to(it, "forward:{}{}{}\n", std::get<forward_decision>(outcomes[i]).next_hop, *ingress ? " " : "", ingress);
          break;
        case action::deliver: fmt::format_to(it, "deliver{}{}\n", *ingress ? " " : "", ingress); break;
        case action::drop: {
          std::string_view why = drop->detail;
          std::string unstamped;
          if (drop->reason == drop_reason::unknown_epoch && read_be(b + 27, 4) == 0)
            why = unstamped = "unstamped, and " + opts.router + " stamps no epoch yet";
          fmt::format_to(it, "drop:{} {}{}{}\n", token(drop->reason), ingress, *ingress ? ": " : "", why);
          break;
        }
        case action::no_peer:
          fmt::format_to(it, "drop:no_peer {}{}no UDP endpoint for {}\n", ingress, *ingress ? ": " : "",
                         std::get<forward_decision>(outcomes[i]).next_hop);
          break;
        case action::send_failed:
          fmt::format_to(it, "drop:send_failed {}{}sending to {}: {}\n", ingress, *ingress ? ": " : "",
                         std::get<forward_decision>(outcomes[i]).next_hop, std::strerror(n.error));
          break;
      }
    }
    if (log) log->maybe_flush();
    const auto add = [](std::atomic<std::uint64_t>& a, std::uint64_t v) {
      if (v) a.fetch_add(v, std::memory_order_relaxed);
    };
    add(totals.received, notes.size());
    add(totals.stamped, stamped);
    add(totals.forwarded, forwarded);
    add(totals.delivered, delivered);
    add(totals.no_peer, no_peer);
    add(totals.send_failed, send_failed);
    for (std::size_t r = 0; r < dropped.size(); ++r) add(totals.dropped[r], dropped[r]);
  }

  void arm_flush() {
    flush_timer->expires_after(log_flush_period);
    flush_timer->async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      log->flush();
      arm_flush();
    });
  }

  // A control call: a new state from the current one, published whole.
  template <class F>
  result<void> update(F&& change) {
    std::lock_guard lock(control);
    auto next = std::make_shared<plane_state>(*std::atomic_load(&state));
    SM_TRYV(change(*next));
    std::atomic_store(&state, std::shared_ptr<const plane_state>(std::move(next)));
    return success();
  }
};

datagram_plane::datagram_plane(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
datagram_plane::~datagram_plane() { stop(); }

result<std::unique_ptr<datagram_plane>> datagram_plane::start(plane_options opts) {
  if (!is_router_name(opts.router))
    return make_error(plane_errc::bad_option, "router name '" + opts.router + "' ([a-z0-9_-], 1 to 32 characters)");
  opts.keep_epochs = std::max<std::size_t>(opts.keep_epochs, 1);
  auto p = std::make_unique<impl>();
  SM_TRY(const auto listen, parse_udp_endpoint(opts.listen));
  SM_TRY(p->socket, udp_batch_socket::open(listen, opts.socket));
  if (!opts.receive_log.empty()) {
    SM_TRY(auto log, receive_log::open(opts.receive_log));
    p->log.emplace(std::move(log));
    p->flush_timer = std::make_unique<asio::steady_timer>(p->socket->context());
    p->arm_flush();
  }
  p->opts = std::move(opts);
  p->socket->run(*p, ("plane-" + p->opts.router).substr(0, 15));
  return std::unique_ptr<datagram_plane>(new datagram_plane(std::move(p)));
}

std::uint16_t datagram_plane::port() const noexcept { return impl_->socket->port(); }
const std::string& datagram_plane::router() const noexcept { return impl_->opts.router; }

result<void> datagram_plane::set_peers(std::map<std::string, std::string> udp_endpoints_by_router) {
  std::map<std::string, udp_endpoint, std::less<>> peers;
  for (const auto& [router, text] : udp_endpoints_by_router) {
    auto ep = parse_udp_endpoint(text);
    if (!ep) return make_error(plane_errc::bad_endpoint, "router " + router + ": " + ep.error().detail);
    peers.emplace(router, ep.value());
  }
  return impl_->update([&](plane_state& s) -> result<void> {
    s.peers = std::move(peers);
    return success();
  });
}

result<void> datagram_plane::install(topology_epoch epoch, const topology& t) {
  if (epoch.value == 0) return make_error(plane_errc::epoch_zero, "install");
  // Built outside the lock: a table is 256 KiB and more, and routing goes on meanwhile.
  auto table = std::make_shared<const forwarding_table>(forwarding_table::build(t, impl_->opts.router));
  const std::size_t keep = impl_->opts.keep_epochs;
  return impl_->update([&](plane_state& s) -> result<void> {
    auto& v = s.tables;
    const auto at = std::lower_bound(v.begin(), v.end(), epoch, [](const auto& e, topology_epoch x) { return e.first < x; });
    if (at != v.end() && at->first == epoch)
      at->second = table;
    else
      v.insert(at, {epoch, table});
    // Forget the lowest epochs beyond `keep`, but never the one stamped on ingress.
    for (auto it = v.begin(); v.size() > keep && it != v.end();)
      it = it->first == s.stamping ? it + 1 : v.erase(it);
    return success();
  });
}

result<void> datagram_plane::stamp_with(topology_epoch epoch) {
  if (epoch.value == 0) return make_error(plane_errc::epoch_zero, "stamp_with");
  return impl_->update([&](plane_state& s) -> result<void> {
    if (!s.table(epoch))
      return make_error(plane_errc::not_installed,
                        "epoch " + std::to_string(epoch.value) + " at " + impl_->opts.router + " (install it first)");
    s.stamping = epoch;
    return success();
  });
}

topology_epoch datagram_plane::stamping() const { return std::atomic_load(&impl_->state)->stamping; }

std::vector<topology_epoch> datagram_plane::installed() const {
  std::vector<topology_epoch> out;
  for (const auto& [e, t] : std::atomic_load(&impl_->state)->tables) out.push_back(e);
  return out;
}

plane_counters datagram_plane::counters() const {
  const auto& t = impl_->totals;
  const auto get = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  plane_counters c;
  c.received = get(t.received);
  c.stamped = get(t.stamped);
  c.forwarded = get(t.forwarded);
  c.delivered = get(t.delivered);
  c.no_peer = get(t.no_peer);
  c.send_failed = get(t.send_failed);
  for (std::size_t r = 0; r < c.dropped.size(); ++r) c.dropped[r] = get(t.dropped[r]);
  return c;
}

void datagram_plane::stop() {
  std::lock_guard lock(impl_->control);
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->socket->stop();  // joins the io thread: nothing touches the log after this
  impl_->flush_timer.reset();
  impl_->log.reset();     // flushes and closes
}

} // namespace storemesh::actors::router_plane
