#include "services/migration/engine/datastore_path.hpp"

#include "services/migration/engine/engine_errc.hpp"
#include "services/migration/engine/file_io.hpp"

#include <fcntl.h>
#include <linux/openat2.h>  // struct open_how, RESOLVE_*: glibc has no wrapper
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

namespace storemesh::services::migration {
namespace {

namespace fs = std::filesystem;
using engine_detail::io_failure;
using engine_detail::unique_fd;

// Linux's PATH_MAX: a longer path cannot be opened in one call anyway.
constexpr std::size_t max_path_length = 4096;

std::vector<std::string_view> components(std::string_view p) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    const std::size_t slash = p.find('/', start);
    out.push_back(p.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}

error path_error(engine_errc code, std::string_view relative, const std::string& why) {
  return make_error(code, std::string(relative) + ": " + why);
}

result<fs::path> real_path(const fs::path& p) {
  char buf[PATH_MAX];
  if (::realpath(p.c_str(), buf) == nullptr) return io_failure(errno, "realpath", p);
  return fs::path(buf);
}

bool is_under(const fs::path& p, const fs::path& root) {
  const std::string& s = p.native();
  const std::string& r = root.native();
  if (r == "/") return true;
  return s == r || (s.size() > r.size() && s.compare(0, r.size(), r) == 0 && s[r.size()] == '/');
}

/// What has to exist: the file itself, or a destination's parent directory
/// ("" for the root), and the destination's own name.
struct target {
  std::string existing;
  std::string name;
};

target split_target(std::string_view relative, bool must_exist) {
  if (must_exist) return {std::string(relative), {}};
  const std::size_t slash = relative.rfind('/');
  if (slash == std::string_view::npos) return {{}, std::string(relative)};
  return {std::string(relative.substr(0, slash)), std::string(relative.substr(slash + 1))};
}

result<fs::path> finish(const fs::path& resolved, const fs::path& root_real, const target& t,
                        std::string_view relative) {
  if (!is_under(resolved, root_real))
    return path_error(engine_errc::path_escapes_datastore, relative, "resolves to " + resolved.string());
  if (t.name.empty()) return resolved;
  struct stat st{};
  if (::stat(resolved.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return path_error(engine_errc::not_found, relative, "parent is not a directory");
  return resolved / t.name;
}

/// Resolution by the kernel; std::nullopt when openat2 is not available.
result<std::optional<fs::path>> resolve_by_openat2(const fs::path& root_real, const target& t,
                                                   std::string_view relative) {
  SM_TRY(const unique_fd root_fd, engine_detail::open_file(root_real, O_PATH | O_DIRECTORY, engine_errc::io_error));
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC | (t.name.empty() ? 0 : O_DIRECTORY);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  const char* const path = t.existing.empty() ? "." : t.existing.c_str();
  // EAGAIN: a concurrent rename made the kernel unsure that no ".." escaped;
  // it asks the caller to retry. A few tries settle any benign race.
  constexpr int max_tries = 8;
  long fd = -1;
  for (int i = 0; i < max_tries; ++i) {
    fd = ::syscall(SYS_openat2, root_fd.get(), path, &how, sizeof how);
    if (fd >= 0 || (errno != EAGAIN && errno != EINTR)) break;
  }
  if (fd < 0) {
    const int err = errno;
    switch (err) {
      case ENOSYS:  // kernel before 5.6
      case EPERM:   // a seccomp filter that does not know the call
      case E2BIG:
      case EINVAL:  // a kernel that does not know these resolve flags
        return std::optional<fs::path>();
      case EXDEV: return path_error(engine_errc::path_escapes_datastore, relative, "a symlink leads out of the root");
      case ELOOP: return path_error(engine_errc::bad_path, relative, "a symlink loop or a /proc magic link");
      case ENOENT:
      case ENOTDIR: return path_error(engine_errc::not_found, relative, std::strerror(err));
      default: return io_failure(err, "openat2", root_real / path);
    }
  }
  const unique_fd opened(static_cast<int>(fd));
  // The kernel's own name for what it opened; without /proc, the realpath of
  // the path it just accepted.
  char buf[PATH_MAX];
  const std::string link = "/proc/self/fd/" + std::to_string(opened.get());
  const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
  if (n > 0 && static_cast<std::size_t>(n) < sizeof buf) return std::optional<fs::path>(fs::path(std::string(buf, n)));
  SM_TRY(auto real, real_path(root_real / path));
  return std::optional<fs::path>(std::move(real));
}

} // namespace

std::string check_relative_path(std::string_view p) {
  if (p.empty()) return "empty";
  if (p.size() > max_path_length) return "longer than " + std::to_string(max_path_length) + " bytes";
  if (p.find('\0') != std::string_view::npos) return "contains a NUL byte";
  if (p.front() == '/') return "absolute";
  if (p.back() == '/') return "ends with '/'";
  for (const std::string_view c : components(p)) {
    if (c.empty()) return "empty component";
    if (c == "." || c == "..") return "'" + std::string(c) + "' component";
  }
  return {};
}

result<fs::path> resolve_in_datastore(const fs::path& root, std::string_view relative, bool must_exist) {
  if (const std::string why = check_relative_path(relative); !why.empty())
    return path_error(engine_errc::bad_path, relative, why);
  SM_TRY(const auto root_real, real_path(root));
  const target t = split_target(relative, must_exist);
  SM_TRY(auto by_kernel, resolve_by_openat2(root_real, t, relative));
  if (!by_kernel) return detail::resolve_by_realpath(root, relative, must_exist);
  return finish(*by_kernel, root_real, t, relative);
}

namespace detail {

result<fs::path> resolve_by_realpath(const fs::path& root, std::string_view relative, bool must_exist) {
  if (const std::string why = check_relative_path(relative); !why.empty())
    return path_error(engine_errc::bad_path, relative, why);
  SM_TRY(const auto root_real, real_path(root));
  const target t = split_target(relative, must_exist);
  const std::vector<std::string_view> parts = t.existing.empty() ? std::vector<std::string_view>{}
                                                                 : components(t.existing);
  // The deepest ancestor that exists: if even that lies outside root, the
  // path escapes (whether or not the rest exists).
  for (std::size_t k = parts.size() + 1; k-- > 0;) {
    fs::path p = root_real;
    for (std::size_t i = 0; i < k; ++i) p /= std::string(parts[i]);
    char buf[PATH_MAX];
    if (::realpath(p.c_str(), buf) == nullptr) {
      if (errno == ENOENT || errno == ENOTDIR) continue;
      return io_failure(errno, "realpath", p);
    }
    const fs::path resolved(buf);
    if (!is_under(resolved, root_real))
      return path_error(engine_errc::path_escapes_datastore, relative, "resolves to " + resolved.string());
    if (k < parts.size()) return path_error(engine_errc::not_found, relative, "no such file or directory");
    return finish(resolved, root_real, t, relative);
  }
  return path_error(engine_errc::not_found, relative, "datastore root does not exist");
}

} // namespace detail

} // namespace storemesh::services::migration
