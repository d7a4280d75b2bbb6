#include "events/file_log/segment_name.hpp"

#include "events/file_log/posix_file.hpp"

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>

namespace storemesh::events::file_log_detail {
namespace {

constexpr std::size_t digits = 20;
constexpr std::string_view suffix = ".seg";

} // namespace

std::string segment_file_name(offset base) {
  char name[digits + suffix.size() + 1];
  std::snprintf(name, sizeof name, "%020" PRId64 ".seg", base.value);
  return name;
}

std::filesystem::path segment_path(const std::filesystem::path& partition_dir, offset base) {
  return partition_dir / segment_file_name(base);
}

std::optional<offset> parse_segment_file_name(std::string_view name) {
  if (name.size() != digits + suffix.size() || name.substr(digits) != suffix)
    return std::nullopt;
  std::int64_t v = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const char c = name[i];
    if (c < '0' || c > '9')
      return std::nullopt;
    const int d = c - '0';
    if (v > (INT64_MAX - d) / 10)
      return std::nullopt;
    v = v * 10 + d;
  }
  return offset{v};
}

result<std::vector<offset>> list_segments(const std::filesystem::path& partition_dir) {
  DIR* dir = ::opendir(partition_dir.c_str());
  if (dir == nullptr)
    return io_failure(errno, "opendir", partition_dir);
  std::vector<offset> bases;
  for (;;) {
    errno = 0;
    const dirent* e = ::readdir(dir);
    if (e == nullptr)
      break;
    if (auto base = parse_segment_file_name(e->d_name))
      bases.push_back(*base);
  }
  const int err = errno;
  ::closedir(dir);
  if (err != 0)
    return io_failure(err, "readdir", partition_dir);
  std::sort(bases.begin(), bases.end());
  return bases;
}

} // namespace storemesh::events::file_log_detail
