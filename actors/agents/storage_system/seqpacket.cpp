#include "actors/agents/storage_system/seqpacket.hpp"

#include "services/control_path/fc_errc.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace storemesh::actors::storage_system {

using services::control_path::fc_errc;

unique_fd& unique_fd::operator=(unique_fd&& o) noexcept {
  if (this != &o) {
    reset();
    fd_ = o.release();
  }
  return *this;
}

void unique_fd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

namespace {

result<sockaddr_un> address(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof a.sun_path)
    return make_error(fc_errc::io_failure, fmt::format("socket path '{}': empty or longer than {} bytes", path,
                                                       sizeof a.sun_path - 1));
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return a;
}

} // namespace

result<unique_fd> listen_seqpacket(const std::string& path, int backlog) {
  SM_TRY(auto a, address(path));
  unique_fd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!fd) return errno_error(errno, "socket(AF_UNIX, SOCK_SEQPACKET)");
  ::unlink(path.c_str());  // a socket file left by a killed server
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return errno_error(errno, "bind " + path);
  if (::listen(fd.get(), backlog) != 0) return errno_error(errno, "listen " + path);
  return fd;
}

result<unique_fd> connect_seqpacket(const std::string& path) {
  SM_TRY(auto a, address(path));
  unique_fd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!fd) return errno_error(errno, "socket(AF_UNIX, SOCK_SEQPACKET)");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    return make_error(fc_errc::link_down, fmt::format("connect {}: {}", path, std::strerror(errno)));
  return fd;
}

result<void> send_message(int fd, const bytes& m) {
  for (;;) {
    const ssize_t n = ::send(fd, m.data(), m.size(), MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(m.size())) return success();
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN))
      return make_error(fc_errc::link_down, fmt::format("send: {}", std::strerror(errno)));
    if (n < 0) return errno_error(errno, "send");
    return make_error(fc_errc::io_failure, fmt::format("send: {} of {} bytes", n, m.size()));
  }
}

result<received> receive_message(int fd, std::size_t max_bytes, std::chrono::milliseconds wait) {
  pollfd p{fd, POLLIN, 0};
  int ready = 0;
  do ready = ::poll(&p, 1, static_cast<int>(wait.count()));
  while (ready < 0 && errno == EINTR);
  if (ready < 0) return errno_error(errno, "poll");
  if (ready == 0) return received{};
  bytes buf(max_bytes + 1);
  ssize_t n = 0;
  do n = ::recv(fd, buf.data(), buf.size(), MSG_TRUNC | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return received{};
  if (n < 0 && (errno == ECONNRESET || errno == ENOTCONN)) return received{std::nullopt, true, false};
  if (n < 0) return errno_error(errno, "recv");
  if (n == 0) return received{std::nullopt, true, false};  // orderly close (SEQPACKET has no empty messages here)
  if (static_cast<std::size_t>(n) > max_bytes) return received{std::nullopt, false, true};
  buf.resize(static_cast<std::size_t>(n));
  return received{std::move(buf), false, false};
}

} // namespace storemesh::actors::storage_system
