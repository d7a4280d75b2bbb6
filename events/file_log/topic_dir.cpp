#include "events/file_log/topic_dir.hpp"

#include "events/file_log/posix_file.hpp"
#include "events/log_errc.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

namespace storemesh::events::file_log_detail {
namespace {

constexpr const char* partitions_file = "partitions";

bool topic_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

/// rename(2) that fails with EEXIST instead of replacing `to`.
int rename_no_replace(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0)
    return 0;
  if (errno != EINVAL && errno != ENOSYS)
    return errno;
  // A file system without RENAME_NOREPLACE: link() is just as atomic and
  // refuses to replace too.
  if (::link(from.c_str(), to.c_str()) != 0)
    return errno;
  ::unlink(from.c_str());
  return 0;
}

result<void> write_partitions_file(const std::filesystem::path& topic_dir, std::int32_t partitions, bool durable) {
  std::string temp = (topic_dir / "partitions.tmp.XXXXXX").string();
  const int raw = ::mkostemp(temp.data(), O_CLOEXEC);
  if (raw < 0)
    return io_failure(errno, "mkostemp", temp);
  unique_fd fd(raw);
  const std::string text = std::to_string(partitions) + "\n";
  auto written = pwrite_full(fd.get(), reinterpret_cast<const std::byte*>(text.data()), text.size(), 0, temp);
  if (written && durable)
    written = datasync_file(fd.get(), temp);
  if (!written) {
    ::unlink(temp.c_str());
    return written.error();
  }
  const auto target = topic_dir / partitions_file;
  if (const int err = rename_no_replace(temp, target); err != 0) {
    ::unlink(temp.c_str());
    if (err != EEXIST)
      return io_failure(err, "rename", target);
  }
  return success();
}

} // namespace

result<void> validate_topic_name(std::string_view topic) {
  const bool ok = !topic.empty() && topic.size() <= max_topic_name && topic != "." && topic != ".." &&
                  std::all_of(topic.begin(), topic.end(), topic_char);
  if (!ok)
    return make_error(log_errc::bad_topic_name,
                      "\"" + std::string(topic.substr(0, max_topic_name + 1)) +
                          "\": use 1 to 200 of [A-Za-z0-9._-], not \".\" or \"..\"");
  return success();
}

result<std::int32_t> read_partition_count(const std::filesystem::path& topic_dir) {
  const auto file = topic_dir / partitions_file;
  auto fd = open_if_exists(file, O_RDONLY);
  if (!fd)
    return fd.error();
  if (!fd.value())
    return make_error(log_errc::unknown_topic, topic_dir.filename().string());
  std::byte buf[32];
  auto n = pread_full(fd.value().get(), buf, sizeof buf, 0, file);
  if (!n)
    return n.error();
  const char* first = reinterpret_cast<const char*>(buf);
  const char* last = first + n.value();
  std::int32_t count = 0;
  const auto [end, ec] = std::from_chars(first, last, count);
  if (ec != std::errc() || end == first || count < 1 || count > max_partitions || end == last || *end != '\n')
    return make_error(log_errc::io_error, file.string() + ": not a partition count");
  return count;
}

result<std::int32_t> create_topic_dir(const std::filesystem::path& root, std::string_view topic,
                                      std::int32_t partitions, bool durable) {
  SM_TRYV(validate_topic_name(topic));
  if (partitions < 1 || partitions > max_partitions)
    return make_error(log_errc::unknown_partition, "a topic has 1 to " + std::to_string(max_partitions) +
                                                       " partitions, not " + std::to_string(partitions));
  const auto dir = root / std::string(topic);
  if (auto existing = read_partition_count(dir); existing || existing.error().code != log_errc::unknown_topic)
    return existing;

  SM_TRYV(make_directory(dir));
  for (std::int32_t p = 0; p < partitions; ++p)
    SM_TRYV(make_directory(partition_dir(dir, p)));
  if (durable) // the partition directories before the file that says they exist
    SM_TRYV(sync_directory(dir));
  SM_TRYV(write_partitions_file(dir, partitions, durable));
  if (durable) {
    SM_TRYV(sync_directory(dir));
    SM_TRYV(sync_directory(root));
  }
  // Whoever renamed first decided the count.
  return read_partition_count(dir);
}

std::filesystem::path partition_dir(const std::filesystem::path& topic_dir, std::int32_t p) {
  return topic_dir / std::to_string(p);
}

result<std::vector<std::string>> list_topics(const std::filesystem::path& root) {
  DIR* dir = ::opendir(root.c_str());
  if (dir == nullptr)
    return io_failure(errno, "opendir", root);
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    const dirent* e = ::readdir(dir);
    if (e == nullptr)
      break;
    const std::string_view name = e->d_name;
    if (!validate_topic_name(name))
      continue;
    if (::access((root / name / partitions_file).c_str(), F_OK) == 0)
      names.emplace_back(name);
  }
  const int err = errno;
  ::closedir(dir);
  if (err != 0)
    return io_failure(err, "readdir", root);
  return names;
}

} // namespace storemesh::events::file_log_detail
