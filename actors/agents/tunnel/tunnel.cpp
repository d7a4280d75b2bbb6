#include "actors/agents/tunnel/tunnel.hpp"

#include "actors/agents/tunnel/stream_io.hpp"
#include "services/tunnels/noise/noise_errc.hpp"

#include <sys/socket.h>
#include <unistd.h>

namespace storemesh::agents::tunnel {

using noise::noise_errc;

tunnel::tunnel(int fd, noise::tunnel_session session, tunnel_info info, const tunnel_options& opts)
    : fd_(fd), info_(std::move(info)), opts_(opts), session_(std::move(session)) {}

tunnel::~tunnel() {
  close("released");
  if (reader_.joinable()) {
    // The last reference may be dropped by an observer on the reader thread itself.
    if (reader_.get_id() == std::this_thread::get_id()) reader_.detach();
    else reader_.join();
  }
  ::close(fd_);
}

result<std::shared_ptr<tunnel>> make_tunnel(int fd, noise::tunnel_session session, tunnel_info info,
                                            const tunnel_options& opts) {
  auto t = std::make_shared<tunnel>(fd, std::move(session), std::move(info), opts);
  if (opts.observer && opts.observer->opened) opts.observer->opened(t->info_);
  t->start_reader();
  return t;
}

void tunnel::start_reader() { reader_ = std::thread([this] { read_loop(); }); }

result<void> tunnel::send(const std::uint8_t* p, std::size_t n) {
  std::lock_guard lock(send_mu_);
  if (closed_) return make_error(noise_errc::closed, close_reason());
  noise::bytes wire;
  const auto before = session_.rekeys_sent();
  if (auto r = session_.seal(p, n, noise::tunnel_clock::now(), wire); !r) {
    // Too large a message is the caller's mistake; an exhausted nonce ends the tunnel.
    if (r.error().code == noise_errc::nonce_exhausted) finish("send failed: " + r.error().message());
    return r;
  }
  for (auto i = before; i < session_.rekeys_sent(); ++i) {
    ++rekeys_sent_;
    if (opts_.observer && opts_.observer->rekeyed) opts_.observer->rekeyed(info_, rekey_direction::sent);
  }
  if (auto r = write_all(fd_, wire.data(), wire.size(), steady::now() + opts_.send_timeout); !r) {
    finish("send failed: " + r.error().message());
    return r;
  }
  return success();
}

result<std::optional<noise::bytes>> tunnel::receive(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return !queue_.empty() || closed_; });
  if (!queue_.empty()) {
    auto m = std::move(queue_.front());
    queue_.pop_front();
    return std::optional<noise::bytes>{std::move(m)};
  }
  if (closed_) return make_error(noise_errc::closed, reason_);
  return std::optional<noise::bytes>{};
}

void tunnel::close(const std::string& reason) {
  bool first = false;
  {
    std::lock_guard lock(send_mu_);
    // Closed before the close message leaves: the peer's reaction (it ends
    // the stream) must not race our own reason.
    first = mark_closed(reason);
    if (first && !session_.send_closed()) {
      noise::bytes wire;
      // Best effort, briefly: a peer that does not read is not waited for.
      if (session_.seal_close(reason, wire))
        (void)write_all(fd_, wire.data(), wire.size(), steady::now() + std::chrono::seconds(1));
    }
  }
  if (first) after_close(reason);
}

std::string tunnel::close_reason() const {
  std::lock_guard lock(mu_);
  return reason_;
}

bool tunnel::mark_closed(const std::string& reason) {
  std::lock_guard lock(mu_);
  if (closed_) return false;
  reason_ = reason;
  closed_ = true;
  return true;
}

void tunnel::after_close(const std::string& reason) {
  cv_.notify_all();
  // Wakes the reader (poll returns, recv sees the end); the descriptor itself
  // is closed in the destructor, after the reader has stopped using it.
  ::shutdown(fd_, SHUT_RDWR);
  if (opts_.observer && opts_.observer->closed) opts_.observer->closed(info_, reason);
}

void tunnel::finish(const std::string& reason) {
  if (mark_closed(reason)) after_close(reason);
}

void tunnel::read_loop() {
  std::vector<noise::incoming> in;
  noise::bytes buf(64 * 1024);
  std::size_t got = 0;  // first round: bytes carried over from the handshake
  while (!closed_) {
    in.clear();
    if (auto r = session_.open(buf.data(), got, in); !r) {
      finish("receive failed: " + r.error().message());
      return;
    }
    for (auto& m : in) {
      switch (m.what) {
        case noise::incoming::kind::data: {
          std::lock_guard lock(mu_);
          queue_.push_back(std::move(m.data));
          cv_.notify_one();
          break;
        }
        case noise::incoming::kind::rekeyed:
          ++rekeys_received_;
          if (opts_.observer && opts_.observer->rekeyed) opts_.observer->rekeyed(info_, rekey_direction::received);
          break;
        case noise::incoming::kind::closed: finish("closed by peer: " + m.reason); return;
      }
    }
    // A long deadline: poll wakes on data or on shutdown() from finish().
    auto r = read_some(fd_, buf.data(), buf.size(), steady::now() + std::chrono::hours(24 * 365));
    if (!r) {
      finish("receive failed: " + r.error().message());
      return;
    }
    got = r.value();
    if (got == 0) {
      finish("stream ended without a close message");
      return;
    }
  }
}

} // namespace storemesh::agents::tunnel
