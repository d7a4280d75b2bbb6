#include "bench/copy_bench.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <vector>

namespace storemesh::cbench {
namespace {

/// xoshiro256** (Blackman, Vigna): fast, and its output does not compress,
/// so no file system or cache can shortcut the copy.
class xoshiro256 {
public:
  explicit xoshiro256(std::uint64_t seed) {
    for (auto& w : s_) w = seed = splitmix(seed);
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
  }
  std::uint64_t s_[4];
};

constexpr std::size_t block = 8u << 20;  // bytes per write

} // namespace

void write_random_file(const std::filesystem::path& file, std::uint64_t size) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("create " + file.string());
  xoshiro256 rng(20261125);
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
