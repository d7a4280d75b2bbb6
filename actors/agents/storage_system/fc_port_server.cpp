#include "actors/agents/storage_system/fc_port_server.hpp"

#include "actors/agents/storage_system/pcap_file.hpp"
#include "actors/agents/storage_system/seqpacket.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <fcntl.h>
#include <mutex>
#include <optional>
#include <poll.h>
#include <sys/eventfd.h>
#include <thread>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace storemesh::actors::storage_system {

namespace {
using clock = std::chrono::steady_clock;
std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(clock::now().time_since_epoch()).count());
}
} // namespace

struct fc_port_server::state {
  port_server_options options;
  cp::scsi_target target;
  cp::fc_target_session session;
  unique_fd listener, wake;
  std::optional<pcap_file> pcap;
  unique_fd exec_log;
  struct connection { unique_fd fd; std::uint64_t last_ms = 0; };
  std::vector<connection> connections;
  mutable std::mutex mutex;  // counters and failure, read by other threads
  port_counters counters;
  std::string failure;
  std::atomic<bool> stopping{false};

  state(port_server_options o, cp::lun_backend& luns)
      : options(std::move(o)), target(options.storage_name, luns), session(options.port, target) {}

  void count(std::uint64_t port_counters::*field, std::uint64_t n = 1) {
    std::lock_guard lock(mutex);
    counters.*field += n;
  }

  result<void> capture(const cp::fc_frame& f) { return pcap ? pcap->write(f) : success(); }

  result<void> log_exec(const cp::executed_exchange& e) {
    if (!exec_log) return success();
    const auto line = fmt::format("{:04x} {:04x} {:06x} {:02x} {} {:02x}\n", e.ox_id, e.rx_id, e.s_id, e.opcode, e.lun, e.status);
    if (::write(exec_log.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
      return errno_error(errno, "write exec log " + options.exec_log_path);
    return success();
  }

  void hold(const cp::fc_frame& f) {
    if (options.hold_while.empty() || f.header.r_ctl != cp::r_ctl::unsolicited_command)
      return;
    if (::access(options.hold_while.c_str(), F_OK) != 0)
      return;
    spdlog::info("fc port {}: holding OX_ID {:04x} while {} exists", options.socket_path, f.header.ox_id,
                 options.hold_while);
    while (::access(options.hold_while.c_str(), F_OK) == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    spdlog::info("fc port {}: released OX_ID {:04x}", options.socket_path, f.header.ox_id);
  }

  // One message from a connection: decode, run, log, answer. false: close it.
  result<bool> on_message(connection& c, const bytes& message) {
    auto frame = cp::decode_frame(message);
    if (!frame) {
      count(&port_counters::malformed);
      spdlog::warn("fc port {}: frame dropped: {}", options.socket_path, frame.error().message());
      return true;
    }
    count(&port_counters::frames_in);
    SM_TRYV(capture(frame.value()));
    hold(frame.value());
    auto out = session.on_frame(frame.value(), now_ms());
    if (!out.dropped.empty()) {
      count(&port_counters::dropped);
      spdlog::debug("fc port {}: frame dropped: {}", options.socket_path, out.dropped);
    }
    if (out.replayed) count(&port_counters::replayed);
    if (out.executed) {
      SM_TRYV(log_exec(*out.executed));  // logged before it is answered
      count(&port_counters::executed);
    }
    for (const auto& f : out.frames) {
      SM_TRY(auto wire, cp::encode_frame(f));
      SM_TRYV(capture(f));
      if (!send_message(c.fd.get(), wire)) return false;  // the initiator left: its answer is lost, the log says it ran
      count(&port_counters::frames_out);
    }
    return true;
  }
};

fc_port_server::fc_port_server(std::unique_ptr<state> s) : state_(std::move(s)) {}

result<std::unique_ptr<fc_port_server>> fc_port_server::start(port_server_options options, cp::lun_backend& luns) {
  auto s = std::make_unique<state>(std::move(options), luns);
  const auto& o = s->options;
  SM_TRY(s->listener, listen_seqpacket(o.socket_path));
  s->wake = unique_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!s->wake) return errno_error(errno, "eventfd");
  if (!o.pcap_path.empty()) {
    SM_TRY(auto p, pcap_file::create(o.pcap_path, o.pcap_link));
    s->pcap.emplace(std::move(p));
  }
  if (!o.exec_log_path.empty()) {
    s->exec_log = unique_fd(::open(o.exec_log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!s->exec_log) return errno_error(errno, "open exec log " + o.exec_log_path);
  }
  std::unique_ptr<fc_port_server> server(new fc_port_server(std::move(s)));
  server->thread_ = std::thread([p = server.get()] { p->run(); });
  return server;
}

fc_port_server::~fc_port_server() { stop(); }

void fc_port_server::stop() {
  if (!thread_.joinable()) return;
  state_->stopping = true;
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(state_->wake.get(), &one, sizeof one);
  thread_.join();
  state_->connections.clear();
  state_->listener.reset();
  ::unlink(state_->options.socket_path.c_str());
}

port_counters fc_port_server::counters() const {
  std::lock_guard lock(state_->mutex);
  return state_->counters;
}

std::string fc_port_server::failure() const {
  std::lock_guard lock(state_->mutex);
  return state_->failure;
}

void fc_port_server::run() {
  auto& s = *state_;
  const auto& o = s.options;
  while (!s.stopping) {
    std::vector<pollfd> fds{{s.wake.get(), POLLIN, 0}, {s.listener.get(), POLLIN, 0}};
    for (auto& c : s.connections) fds.push_back({c.fd.get(), POLLIN, 0});
    if (::poll(fds.data(), fds.size(), 200) < 0 && errno != EINTR) break;
    const auto now = now_ms();
    const std::size_t polled = s.connections.size();  // fds covers these; one accepted now waits a round
    if (fds[1].revents & POLLIN) {
      unique_fd c(::accept4(s.listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (c && s.connections.size() < o.max_connections) s.connections.push_back({std::move(c), now});
      // else: c closes here; the initiator sees its link down at once
    }
    std::vector<bool> keep(s.connections.size(), true);
    for (std::size_t i = 0; i < polled; ++i) {
      auto& c = s.connections[i];
      if (!(fds[i + 2].revents & (POLLIN | POLLHUP | POLLERR))) {
        keep[i] = now - c.last_ms < static_cast<std::uint64_t>(o.connection_idle.count());
        continue;
      }
      c.last_ms = now;
      auto got = receive_message(c.fd.get(), cp::max_frame_bytes, std::chrono::milliseconds(0));
      if (!got || got.value().closed) { keep[i] = false; continue; }
      if (got.value().oversize) {
        s.count(&port_counters::malformed);
        spdlog::warn("fc port {}: a message above the largest FC frame dropped", o.socket_path);
        continue;
      }
      if (!got.value().message) continue;
      auto more = s.on_message(c, *got.value().message);
      if (!more) {  // the exec log or the pcap failed: stop rather than run commands unrecorded
        std::lock_guard lock(s.mutex);
        s.failure = more.error().message();
        spdlog::error("fc port {}: {}", o.socket_path, s.failure);
        s.stopping = true;
        break;
      }
      keep[i] = more.value();
    }
    std::vector<state::connection> left;
    for (std::size_t i = 0; i < s.connections.size(); ++i)
      if (keep[i]) left.push_back(std::move(s.connections[i]));
    s.connections = std::move(left);
    s.session.expire(now_ms(), static_cast<std::uint64_t>(o.exchange_idle.count()));
  }
}

} // namespace storemesh::actors::storage_system
