// copy_whole_file: the copies behind snapshots and replicas.

#include "actors/agents/storage_system/file_luns.hpp"
#include "actors/agents/storage_system/seqpacket.hpp"

#include <cerrno>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace storemesh::actors::storage_system {
namespace {

// copy_file_range over [from, to), falling back to pread/pwrite where the
// kernel refuses it (EXDEV before 5.3, some file systems).
result<void> copy_range(int in, int out, off_t from, off_t to) {
  off_t src = from, dst = from;
  while (src < to) {
    const ssize_t n = ::copy_file_range(in, &src, out, &dst, static_cast<std::size_t>(to - src), 0);
    if (n > 0) continue;
    if (n == 0) break;  // the source shrank under us
    if (errno == EINTR) continue;
    if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
      return errno_error(errno, "copy_file_range");
    std::vector<char> buf(1 << 20);
    while (src < to) {
      const ssize_t r = ::pread(in, buf.data(), std::min<std::size_t>(buf.size(), static_cast<std::size_t>(to - src)), src);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return errno_error(errno, "pread");
      if (r == 0) break;
      for (ssize_t w = 0; w < r;) {
        const ssize_t k = ::pwrite(out, buf.data() + w, static_cast<std::size_t>(r - w), src + w);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return errno_error(errno, "pwrite");
        w += k;
      }
      src += r;
    }
  }
  return success();
}

} // namespace

result<std::uint64_t> copy_whole_file(const std::string& src, const std::string& dst) {
  unique_fd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) return errno_error(errno, "open " + src);
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) return errno_error(errno, "fstat " + src);
  const std::string tmp = dst + ".tmp";
  unique_fd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!out) return errno_error(errno, "open " + tmp);
  // A reflink shares the extents (XFS, Btrfs): instant and exact.
  if (::ioctl(out.get(), FICLONE, in.get()) != 0) {
    if (::ftruncate(out.get(), st.st_size) != 0) return errno_error(errno, "ftruncate " + tmp);
    // Only the data extents: a sparse LUN's holes stay holes in the copy.
    off_t at = 0;
    while (at < st.st_size) {
      const off_t data = ::lseek(in.get(), at, SEEK_DATA);
      if (data < 0 && errno == ENXIO) break;  // only a hole is left
      if (data < 0) {                         // no SEEK_DATA here: copy everything
        SM_TRYV(copy_range(in.get(), out.get(), at, st.st_size));
        break;
      }
      off_t hole = ::lseek(in.get(), data, SEEK_HOLE);
      if (hole < 0) hole = st.st_size;
      SM_TRYV(copy_range(in.get(), out.get(), data, hole));
      at = hole;
    }
  }
  if (::fsync(out.get()) != 0) return errno_error(errno, "fsync " + tmp);
  out.reset();
  if (::rename(tmp.c_str(), dst.c_str()) != 0) return errno_error(errno, "rename " + tmp);
  return static_cast<std::uint64_t>(st.st_size);
}

} // namespace storemesh::actors::storage_system
