#include "actors/agents/router_plane/receive_log.hpp"

#include "actors/agents/router_plane/plane_errc.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace storemesh::actors::router_plane {

result<receive_log> receive_log::open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return make_error(plane_errc::log_failed, path.string() + ": " + std::strerror(errno));
  return receive_log(fd);
}

receive_log::receive_log(receive_log&& o) noexcept
    : fd_(o.fd_), pending_(std::move(o.pending_)), write_errors_(o.write_errors_) {
  o.fd_ = -1;
}

receive_log::~receive_log() {
  if (fd_ < 0) return;
  flush();
  ::close(fd_);
}

void receive_log::flush() {
  std::size_t done = 0;
  while (done < pending_.size()) {
    const ssize_t n = ::write(fd_, pending_.data() + done, pending_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ++write_errors_;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  pending_.clear();
}

} // namespace storemesh::actors::router_plane
