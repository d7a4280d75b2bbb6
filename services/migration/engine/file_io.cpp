#include "services/migration/engine/file_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace storemesh::services::migration::engine_detail {

unique_fd& unique_fd::operator=(unique_fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

unique_fd::~unique_fd() {
  if (fd_ >= 0) ::close(fd_);
}

error io_failure(int err, std::string_view call, const std::filesystem::path& file, engine_errc otherwise) {
  std::string detail(call);
  detail += ' ';
  detail += file.string();
  detail += ": ";
  detail += std::strerror(err);
  // EFBIG: the write crossed RLIMIT_FSIZE or the file system's largest file;
  // like ENOSPC, the data is fine and the job can resume once there is room.
  const bool full = err == ENOSPC || err == EDQUOT || err == EFBIG;
  const engine_errc code = full ? engine_errc::disk_full : err == ENOENT ? engine_errc::not_found : otherwise;
  return make_error(code, std::move(detail));
}

result<unique_fd> open_file(const std::filesystem::path& file, int flags, engine_errc otherwise, mode_t mode) {
  int fd;
  do
    fd = ::open(file.c_str(), flags | O_CLOEXEC, mode);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return io_failure(errno, "open", file, otherwise);
  return unique_fd(fd);
}

result<std::size_t> pread_full(int fd, std::byte* buf, std::size_t n, std::uint64_t pos,
                               const std::filesystem::path& file, engine_errc otherwise) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(pos + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return io_failure(errno, "pread", file, otherwise);
    if (r == 0) break;
    done += static_cast<std::size_t>(r);
  }
  return done;
}

result<void> pwrite_full(int fd, const std::byte* buf, std::size_t n, std::uint64_t pos,
                         const std::filesystem::path& file) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pwrite(fd, buf + done, n - done, static_cast<off_t>(pos + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return io_failure(errno, "pwrite", file);
    done += static_cast<std::size_t>(r);
  }
  return success();
}

result<void> datasync_file(int fd, const std::filesystem::path& file) {
  if (::fdatasync(fd) != 0) return io_failure(errno, "fdatasync", file);
  return success();
}

result<void> sync_directory(const std::filesystem::path& dir) {
  SM_TRY(auto fd, open_file(dir, O_RDONLY | O_DIRECTORY, engine_errc::io_error));
  if (::fsync(fd.get()) != 0) return io_failure(errno, "fsync", dir);
  return success();
}

void drop_cached_pages(int fd, std::uint64_t offset, std::uint64_t length) {
  (void)::posix_fadvise(fd, static_cast<off_t>(offset), static_cast<off_t>(length), POSIX_FADV_DONTNEED);
}

} // namespace storemesh::services::migration::engine_detail
