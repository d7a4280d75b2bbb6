#include "tests/support/tmpfs_mount.hpp"

#include <sys/mount.h>

#include <cerrno>
#include <cstring>

namespace storemesh::testing {

tmpfs_mount::tmpfs_mount(const std::filesystem::path& dir, const char* size) : dir_(dir) {
  std::filesystem::create_directories(dir);
  const std::string opts = std::string("size=") + size;
  mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, opts.c_str()) == 0;
  if (!mounted_)
    error_ = std::strerror(errno);
}

tmpfs_mount::~tmpfs_mount() {
  if (mounted_)
    ::umount2(dir_.c_str(), MNT_DETACH);
}

} // namespace storemesh::testing
