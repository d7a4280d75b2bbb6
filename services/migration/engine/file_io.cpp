#include "services/migration/engine/file_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace storemesh::services::migration::engine_detail {

error io_failure(int err, std::string_view call, const std::filesystem::path& file, engine_errc otherwise) {
  // EFBIG: the write crossed RLIMIT_FSIZE or the file system's largest file;
  // like ENOSPC, the data is fine and the job can resume once there is room.
  const bool full = err == ENOSPC || err == EDQUOT || err == EFBIG;
  const engine_errc code = full ? engine_errc::disk_full : err == ENOENT ? engine_errc::not_found : otherwise;
  return make_error(code, posix::failure_detail(err, call, file));
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
  if (const int err = posix::pread_full(fd, buf, n, pos, done))
    return io_failure(err, "pread", file, otherwise);
  return done;
}

result<void> pwrite_full(int fd, const std::byte* buf, std::size_t n, std::uint64_t pos,
                         const std::filesystem::path& file) {
  if (const int err = posix::pwrite_full(fd, buf, n, pos))
    return io_failure(err, "pwrite", file);
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
