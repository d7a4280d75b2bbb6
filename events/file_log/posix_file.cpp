#include "events/file_log/posix_file.hpp"

#include "events/log_errc.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace storemesh::events::file_log_detail {

error io_failure(int err, std::string_view call, const std::filesystem::path& file) {
  const bool full = err == ENOSPC || err == EDQUOT;
  return make_error(full ? log_errc::disk_full : log_errc::io_error, posix::failure_detail(err, call, file));
}

result<unique_fd> open_file(const std::filesystem::path& file, int flags, mode_t mode) {
  int fd;
  do
    fd = ::open(file.c_str(), flags | O_CLOEXEC, mode);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return io_failure(errno, "open", file);
  return unique_fd(fd);
}

result<unique_fd> open_if_exists(const std::filesystem::path& file, int flags) {
  int fd;
  do
    fd = ::open(file.c_str(), flags | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0 && errno == ENOENT)
    return unique_fd();
  if (fd < 0)
    return io_failure(errno, "open", file);
  return unique_fd(fd);
}

result<std::size_t> pread_full(int fd, std::byte* buf, std::size_t n, std::uint64_t pos,
                               const std::filesystem::path& file) {
  std::size_t done = 0;
  if (const int err = posix::pread_full(fd, buf, n, pos, done))
    return io_failure(err, "pread", file);
  return done;
}

result<void> pwrite_full(int fd, const std::byte* buf, std::size_t n, std::uint64_t pos,
                         const std::filesystem::path& file) {
  if (const int err = posix::pwrite_full(fd, buf, n, pos))
    return io_failure(err, "pwrite", file);
  return success();
}

result<void> truncate_file(int fd, std::uint64_t size, const std::filesystem::path& file) {
  int r;
  do
    r = ::ftruncate(fd, static_cast<off_t>(size));
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return io_failure(errno, "ftruncate", file);
  return success();
}

result<void> datasync_file(int fd, const std::filesystem::path& file) {
  if (::fdatasync(fd) < 0)
    return io_failure(errno, "fdatasync", file);
  return success();
}

result<void> sync_directory(const std::filesystem::path& dir) {
  auto fd = open_file(dir, O_RDONLY | O_DIRECTORY);
  if (!fd)
    return fd.error();
  if (::fsync(fd.value().get()) < 0)
    return io_failure(errno, "fsync", dir);
  return success();
}

result<file_stamp> stamp_of(int fd, const std::filesystem::path& file) {
  struct stat st {};
  if (::fstat(fd, &st) < 0)
    return io_failure(errno, "fstat", file);
  return file_stamp{static_cast<std::uint64_t>(st.st_size),
                    static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

result<bool> file_exists(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0)
    return true;
  if (errno == ENOENT)
    return false;
  return io_failure(errno, "stat", file);
}

result<void> make_directory(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST)
    return success();
  return io_failure(errno, "mkdir", dir);
}

} // namespace storemesh::events::file_log_detail
