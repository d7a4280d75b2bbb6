#include "actors/agents/tunnel/stream_io.hpp"

#include "services/tunnels/noise/noise_errc.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace storemesh::agents::tunnel {
namespace {

using tunnels::noise::noise_errc;

// Waits until fd is ready for `events` or the deadline passes.
result<void> wait_for(int fd, short events, steady::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
    if (left <= 0) return make_error(noise_errc::timeout);
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (r > 0) return success();
    if (r < 0 && errno != EINTR) return make_error(noise_errc::io_error, std::string("poll: ") + std::strerror(errno));
  }
}

} // namespace

result<void> write_all(int fd, const std::uint8_t* p, std::size_t n, steady::time_point deadline) {
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w > 0) {
      p += w;
      n -= static_cast<std::size_t>(w);
      continue;
    }
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      SM_TRYV(wait_for(fd, POLLOUT, deadline));
      continue;
    }
    return make_error(noise_errc::io_error, std::string("send: ") + std::strerror(errno));
  }
  return success();
}

result<std::size_t> read_some(int fd, std::uint8_t* p, std::size_t n, steady::time_point deadline) {
  for (;;) {
    const ssize_t r = ::recv(fd, p, n, MSG_DONTWAIT);
    if (r >= 0) return static_cast<std::size_t>(r);
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      SM_TRYV(wait_for(fd, POLLIN, deadline));
      continue;
    }
    return make_error(noise_errc::io_error, std::string("recv: ") + std::strerror(errno));
  }
}

} // namespace storemesh::agents::tunnel
