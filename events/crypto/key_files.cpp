// The file half of keys.hpp: writing and loading key files.
#include "events/crypto/keys.hpp"

#include "events/crypto/crypto_errc.hpp"
#include "events/crypto/hashing.hpp"
#include "events/crypto/sodium_init.hpp"

#include <sodium.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace storemesh::events::crypto {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view secret_header = "storemesh-ed25519-secret-v1 ";
// Both key files are one short line; anything much larger is not a key file.
constexpr std::size_t max_key_file_bytes = 4096;

class fd_guard {
public:
  explicit fd_guard(int fd) : fd_(fd) {}
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool ok() const { return fd_ >= 0; }
  /// Closes now, reporting close()'s error (a write can fail only at close on some filesystems).
  [[nodiscard]] int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

private:
  int fd_;
};

/// A string that may hold a secret: its capacity is reserved up front so it
/// never reallocates (leaving an unwiped copy behind), and it is wiped on exit.
class secret_string {
public:
  explicit secret_string(std::size_t capacity) { s_.reserve(capacity); }
  secret_string(const secret_string&) = delete;
  secret_string& operator=(const secret_string&) = delete;
  ~secret_string() { sodium_memzero(s_.data(), s_.capacity()); }
  std::string& str() { return s_; }

private:
  std::string s_;
};

fs::path pub_path_for(const fs::path& p) {
  fs::path pub = p;
  pub += ".pub";
  return pub;
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view space = " \t\r\n";
  const auto first = s.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(space);
  return s.substr(first, last - first + 1);
}

std::string mode_string(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

result<void> write_all(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(errno, "write " + path.string());
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return success();
}

/// Reads a whole small file into `out` (whose capacity is at least max_key_file_bytes + 1).
result<void> read_small_file(int fd, const fs::path& path, std::string& out) {
  out.resize(max_key_file_bytes + 1);
  std::size_t used = 0;
  while (used < out.size()) {
    const ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(errno, "read " + path.string());
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  out.resize(used);
  if (used > max_key_file_bytes) {
    return make_error(crypto_errc::malformed_key_file, path.string() + ": too large for a key file");
  }
  return success();
}

/// Creates `final_path` with `content` and exactly `mode`, or fails with
/// key_file_exists if it exists. The file is complete when it appears: written
/// under a temporary name, fsynced, then hard-linked into place (link() never
/// replaces an existing name, which is what makes the refusal race-free).
result<void> create_file_atomically(const fs::path& final_path, std::string_view content, mode_t mode) {
  std::array<std::uint8_t, 6> suffix;
  randombytes_buf(suffix.data(), suffix.size());
  fs::path tmp = final_path;
  tmp += ".tmp-" + to_hex(suffix);

  fd_guard fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
  if (!fd.ok()) return errno_error(errno, "create " + tmp.string());
  auto fail = [&](error e) -> result<void> {
    ::unlink(tmp.c_str());
    return e;
  };
  // The umask may have removed bits from `mode` (0644 -> 0600): set it exactly.
  if (::fchmod(fd.get(), mode) != 0) return fail(errno_error(errno, "fchmod " + tmp.string()));
  if (auto w = write_all(fd.get(), content, tmp); !w) return fail(w.error());
  if (::fsync(fd.get()) != 0) return fail(errno_error(errno, "fsync " + tmp.string()));
  if (fd.close() != 0) return fail(errno_error(errno, "close " + tmp.string()));

  if (::link(tmp.c_str(), final_path.c_str()) != 0) {
    const int err = errno;
    if (err == EEXIST) {
      return fail(make_error(crypto_errc::key_file_exists, final_path.string() + " already exists; not overwriting it"));
    }
    return fail(errno_error(err, "link " + tmp.string() + " -> " + final_path.string()));
  }
  ::unlink(tmp.c_str());
  return success();
}

result<void> fsync_directory_of(const fs::path& file) {
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  fd_guard fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.ok()) return errno_error(errno, "open " + dir.string());
  if (::fsync(fd.get()) != 0) return errno_error(errno, "fsync " + dir.string());
  return success();
}

bool exists_no_follow(const fs::path& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0;
}

} // namespace

result<void> write_key_pair(const fs::path& out) {
  ensure_sodium();
  const fs::path pub_path = pub_path_for(out);
  // Checked first so that the usual mistake changes nothing on disk; the
  // link() in create_file_atomically is what makes it safe against races.
  for (const auto& p : {out, pub_path}) {
    if (exists_no_follow(p)) {
      return make_error(crypto_errc::key_file_exists, p.string() + " already exists; not overwriting it");
    }
  }

  std::array<std::uint8_t, 32> seed;
  randombytes_buf(seed.data(), seed.size());
  const key_pair kp = key_pair::from_seed(seed);

  secret_string line(secret_header.size() + 2 * seed.size() + 2);
  line.str().append(secret_header);
  line.str().resize(secret_header.size() + 2 * seed.size() + 1);
  sodium_bin2hex(line.str().data() + secret_header.size(), 2 * seed.size() + 1, seed.data(), seed.size());
  sodium_memzero(seed.data(), seed.size());
  line.str().back() = '\n';  // replaces the NUL sodium_bin2hex wrote

  if (auto priv = create_file_atomically(out, line.str(), 0600); !priv) return priv.error();
  if (auto pub = create_file_atomically(pub_path, kp.public_key().hex() + "\n", 0644); !pub) {
    ::unlink(out.c_str());  // ours: the link above just created it
    return pub.error();
  }
  return fsync_directory_of(out);
}

result<key_pair> load_key_pair(const fs::path& path) {
  fd_guard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.ok()) return errno_error(errno, "open " + path.string());
  // fstat the open file, not the path, so the file checked is the file read.
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return errno_error(errno, "fstat " + path.string());
  if (!S_ISREG(st.st_mode)) {
    return make_error(crypto_errc::key_file_permissions, path.string() + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    return make_error(crypto_errc::key_file_permissions,
                      path.string() + " has mode " + mode_string(st.st_mode) +
                          "; a private key must be accessible by its owner only (chmod 600 " + path.string() + ")");
  }

  secret_string content(max_key_file_bytes + 1);
  if (auto r = read_small_file(fd.get(), path, content.str()); !r) return r.error();
  const std::string_view text = trim(content.str());
  if (text.substr(0, secret_header.size()) != secret_header) {
    return make_error(crypto_errc::malformed_key_file,
                      path.string() + ": does not start with \"" + std::string(trim(secret_header)) + "\"");
  }
  const std::string_view hex = text.substr(secret_header.size());
  std::array<std::uint8_t, 32> seed;
  if (!from_hex_exact(hex, seed.data(), seed.size())) {
    return make_error(crypto_errc::malformed_key_file,
                      path.string() + ": expected 64 hex digits (a 32-byte seed) after the header, found " +
                          std::to_string(hex.size()) + " characters");
  }
  key_pair kp = key_pair::from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return kp;
}

result<key_pair> load_or_create_key_pair(const fs::path& path) {
  if (exists_no_follow(path)) return load_key_pair(path);
  auto written = write_key_pair(path);
  // Another process may have created it between our check and our write: then
  // load theirs (link() guarantees it is complete).
  if (!written && written.error().code != crypto_errc::key_file_exists) return written.error();
  auto loaded = load_key_pair(path);
  if (!loaded && !written) return written.error();
  return loaded;
}

result<public_key> parse_public_key(std::string_view hex_or_path) {
  const std::string_view text = trim(hex_or_path);
  public_key k;
  if (text.size() == 2 * k.bytes.size() && from_hex_exact(text, k.bytes.data(), k.bytes.size())) return k;

  const fs::path path{std::string(text)};
  fd_guard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.ok()) {
    const int err = errno;
    return make_error(crypto_errc::malformed_public_key,
                      "\"" + std::string(text) + "\" is neither 64 hex digits nor a readable .pub file (" +
                          std::generic_category().message(err) + ")");
  }
  std::string content;
  content.reserve(max_key_file_bytes + 1);
  if (auto r = read_small_file(fd.get(), path, content); !r) {
    return make_error(crypto_errc::malformed_public_key, r.error().message());
  }
  const std::string_view hex = trim(content);
  if (!from_hex_exact(hex, k.bytes.data(), k.bytes.size())) {
    return make_error(crypto_errc::malformed_public_key, path.string() + ": expected one line of 64 hex digits");
  }
  return k;
}

} // namespace storemesh::events::crypto
