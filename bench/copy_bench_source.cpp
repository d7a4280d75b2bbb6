#include "bench/copy_bench.hpp"
#include "sim/rng.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <vector>

namespace storemesh::cbench {
namespace {

constexpr std::size_t block = 8u << 20;  // bytes per write

} // namespace

void write_random_file(const std::filesystem::path& file, std::uint64_t size) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("create " + file.string());
  // xoshiro256** (the simulator's generator): fast, and its output does not
  // compress, so no file system or cache can shortcut the copy.
  sim::rng rng(20261125);
  std::vector<std::uint64_t> buf(block / sizeof(std::uint64_t));
  for (std::uint64_t at = 0; at < size; at += block) {
    for (auto& w : buf) w = rng.next();
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(block, size - at));
    if (::pwrite(fd, buf.data(), n, static_cast<off_t>(at)) != static_cast<ssize_t>(n)) fail("write " + file.string());
  }
  if (::fdatasync(fd) != 0) fail("fdatasync " + file.string());
  ::close(fd);
}

void read_through(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("open " + file.string());
  std::vector<char> buf(block);
  while (::read(fd, buf.data(), buf.size()) > 0) {
  }
  ::close(fd);
}

} // namespace storemesh::cbench
