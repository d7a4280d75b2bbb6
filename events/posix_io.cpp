#include "events/posix_io.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace storemesh::posix {

std::string failure_detail(int err, std::string_view call, const std::filesystem::path& file) {
  std::string detail(call);
  detail += ' ';
  detail += file.string();
  detail += ": ";
  detail += std::strerror(err);
  return detail;
}

unique_fd& unique_fd::operator=(unique_fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

unique_fd::~unique_fd() {
  if (fd_ >= 0)
    ::close(fd_);
}

int pread_full(int fd, std::byte* buf, std::size_t n, std::uint64_t pos, std::size_t& done) noexcept {
  done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(pos + done));
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return errno;
    if (r == 0)
      break;
    done += static_cast<std::size_t>(r);
  }
  return 0;
}

int pwrite_full(int fd, const std::byte* buf, std::size_t n, std::uint64_t pos) noexcept {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pwrite(fd, buf + done, n - done, static_cast<off_t>(pos + done));
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return errno;
    done += static_cast<std::size_t>(r);
  }
  return 0;
}

} // namespace storemesh::posix
