#include "events/file_log/partition_lock.hpp"

#include "events/file_log/posix_file.hpp"

#include <sys/file.h>

#include <cerrno>

namespace storemesh::events::file_log_detail {

result<partition_lock> partition_lock::acquire(int fd, mode m, const std::filesystem::path& file) {
  const int op = m == mode::exclusive ? LOCK_EX : LOCK_SH;
  int r;
  do
    r = ::flock(fd, op);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return io_failure(errno, "flock", file);
  return partition_lock(fd);
}

partition_lock::~partition_lock() {
  if (fd_ >= 0)
    ::flock(fd_, LOCK_UN);
}

} // namespace storemesh::events::file_log_detail
