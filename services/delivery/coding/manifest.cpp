#include "services/delivery/coding/manifest.hpp"

#include "events/crc32c.hpp"
#include "services/delivery/coding/coding_errc.hpp"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace storemesh::services::delivery {
namespace {

struct fd_closer {
  int fd;
  ~fd_closer() {
    if (fd >= 0)
      ::close(fd);
  }
};

error io_failure(const char* call, const std::filesystem::path& path, int err) {
  return make_error(coding_errc::io_error, std::string(call) + " " + path.string() + ": " + std::strerror(err));
}

/// Reads exactly n bytes at offset; a file that ends early changed under us.
result<void> read_exactly(int fd, const std::filesystem::path& path, std::uint8_t* out, std::size_t n,
                          std::uint64_t offset) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd, out + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR)
        continue;
      return io_failure("read", path, errno);
    }
    if (got == 0)
      return make_error(coding_errc::io_error, path.string() + " shrank while being coded");
    done += static_cast<std::size_t>(got);
  }
  return success();
}

std::string hex(const unsigned char* d, unsigned n) {
  static const char digits[] = "0123456789abcdef";
  std::string s(std::size_t{n} * 2, '0');
  for (unsigned i = 0; i < n; ++i) {
    s[2 * i] = digits[d[i] >> 4];
    s[2 * i + 1] = digits[d[i] & 15];
  }
  return s;
}

} // namespace

result<manifest> code_file(const std::filesystem::path& path, const delivery::geometry& g, const segment_sink& sink) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return io_failure("open", path, errno);
  fd_closer closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return io_failure("stat", path, errno);
  if (!S_ISREG(st.st_mode))
    return make_error(coding_errc::io_error, path.string() + " is not a regular file");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (g.bytes != 0 && g.bytes != size)
    return make_error(coding_errc::bad_geometry, path.string() + " has " + std::to_string(size) +
                                                     " bytes, the geometry says " + std::to_string(g.bytes));
  manifest out;
  out.geometry = g;
  out.geometry.bytes = size;
  SM_TRY(auto coder, segment_coder::make(out.geometry));  // refuses an empty file: "content is empty"

  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> sha(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!sha || EVP_DigestInit_ex(sha.get(), EVP_sha256(), nullptr) != 1)
    return make_error(coding_errc::io_error, "OpenSSL SHA-256 unavailable");
  const std::uint64_t count = segments(out.geometry);
  const std::uint32_t n = pillars(out.geometry);
  out.slice_crc32c.reserve(count * n);
  aligned_buffer segment(out.geometry.segment_bytes);
  for (std::uint64_t s = 0; s < count; ++s) {
    const std::size_t len = segment_data_bytes(out.geometry, s);
    SM_TRYV(read_exactly(fd, path, segment.data(), len, s * out.geometry.segment_bytes));
    if (EVP_DigestUpdate(sha.get(), segment.data(), len) != 1)
      return make_error(coding_errc::io_error, "SHA-256 update failed");
    SM_TRY(const slice_views* views, coder.encode_views(segment.data(), len));
    for (std::uint32_t p = 0; p < n; ++p)
      out.slice_crc32c.push_back(events::crc32c(views->payload[p], coder.slice_bytes()));
    if (sink)
      SM_TRYV(sink(s, *views));
  }
  // A file that grew while we read it would have a hash of neither version.
  struct stat after {};
  if (::fstat(fd, &after) != 0)
    return io_failure("stat", path, errno);
  if (static_cast<std::uint64_t>(after.st_size) != size)
    return make_error(coding_errc::io_error, path.string() + " changed size while being coded");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned digest_len = 0;
  if (EVP_DigestFinal_ex(sha.get(), digest, &digest_len) != 1)
    return make_error(coding_errc::io_error, "SHA-256 final failed");
  out.sha256 = hex(digest, digest_len);
  return out;
}

} // namespace storemesh::services::delivery
