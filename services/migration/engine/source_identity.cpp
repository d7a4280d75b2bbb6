#include "services/migration/engine/source_identity.hpp"

#include "services/migration/engine/file_io.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <string>

namespace storemesh::services::migration {
namespace {

constexpr std::int64_t ns_per_second = 1'000'000'000;

result<source_identity> identity_from(const struct stat& st, const std::filesystem::path& file) {
  if (!S_ISREG(st.st_mode)) return make_error(engine_errc::source_unreadable, file.string() + ": not a regular file");
  return source_identity{static_cast<std::uint64_t>(st.st_size),
                         static_cast<std::int64_t>(st.st_mtim.tv_sec) * ns_per_second + st.st_mtim.tv_nsec};
}

} // namespace

result<source_identity> stat_source(const std::filesystem::path& file) {
  struct stat st{};
  if (::stat(file.c_str(), &st) != 0)
    return engine_detail::io_failure(errno, "stat", file, engine_errc::source_unreadable);
  return identity_from(st, file);
}

result<source_identity> identity_of(int fd, const std::filesystem::path& file) {
  struct stat st{};
  if (::fstat(fd, &st) != 0) return engine_detail::io_failure(errno, "fstat", file, engine_errc::source_unreadable);
  return identity_from(st, file);
}

result<void> check_unchanged(int fd, const std::filesystem::path& file, const source_identity& expect) {
  SM_TRY(const auto now, identity_of(fd, file));
  if (now != expect)
    return make_error(engine_errc::source_changed,
                      file.string() + ": size " + std::to_string(now.size) + ", mtime " + std::to_string(now.mtime_ns) +
                          " ns; the job started with size " + std::to_string(expect.size) + ", mtime " +
                          std::to_string(expect.mtime_ns) + " ns");
  return success();
}

} // namespace storemesh::services::migration
