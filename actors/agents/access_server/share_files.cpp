#include "actors/agents/access_server/share_files.hpp"

#include "services/migration/engine/datastore_path.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace storemesh::agents::access_server {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view incoming_dir = ".storemesh-incoming";

error from_errno(const std::string& what) { return storemesh::errno_error(errno, what); }
error within(const error& e, const std::string& what) { return error{e.code, what + ": " + e.detail}; }

result<void> sync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return from_errno("opening " + dir.string());
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0)
    return from_errno("syncing " + dir.string());
  return success();
}

/// rename, or copy + unlink across filesystems; the target synced.
result<void> move_file(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) == 0)
    return sync_dir(to.parent_path());
  if (errno != EXDEV)
    return from_errno("moving " + from.string() + " to " + to.string());
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec)
    return error{ec, "copying " + from.string() + " to " + to.string()};
  fs::remove(from, ec);
  return sync_dir(to.parent_path());
}

} // namespace

std::string check_share_path(std::string_view path) {
  if (auto why = services::migration::check_relative_path(path); !why.empty())
    return why;
  for (std::size_t at = 0; at <= path.size();) {
    const auto end = std::min(path.find('/', at), path.size());
    if (path.substr(at, end - at).rfind(".storemesh-", 0) == 0)
      return "'.storemesh-' names are the server's own";
    at = end + 1;
  }
  return {};
}

share_files::share_files(std::string name, fs::path root, fs::path quarantine)
    : name_(std::move(name)), root_(std::move(root)), quarantine_(std::move(quarantine)) {}

result<void> share_files::prepare() const {
  std::error_code ec;
  if (!fs::is_directory(root_, ec))
    return make_error(std::errc::no_such_file_or_directory, "share " + name_ + ": " + root_.string() + " is not a directory");
  fs::create_directories(root_ / std::string(incoming_dir), ec);
  if (!ec)
    fs::create_directories(quarantine_, ec);
  if (ec)
    return error{ec, "share " + name_ + ": preparing its directories"};
  return success();
}

fs::path share_files::incoming(std::string_view access) const {
  return root_ / std::string(incoming_dir) / std::string(access);
}

result<int> share_files::create_incoming(std::string_view access) const {
  const auto p = incoming(access);
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return from_errno("creating " + p.string());
  return fd;
}

result<void> share_files::check_destination(std::string_view path) const {
  fs::path built;
  for (const auto& part : fs::path{std::string(path)}) {
    built /= part;
    auto at = services::migration::resolve_in_datastore(root_, built.string(), false);
    if (!at)
      return within(at.error(), "share " + name_);
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(at.value(), ec)))
      break;  // the rest is created fresh, inside
  }
  return success();
}

result<void> share_files::commit(std::string_view access, std::string_view path) const {
  const auto from = incoming(access);
  {
    const int fd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return from_errno("opening " + from.string());
    const int rc = ::fdatasync(fd);
    ::close(fd);
    if (rc != 0)
      return from_errno("syncing " + from.string());
  }
  const fs::path rel{std::string(path)};
  if (rel.has_parent_path()) {
    // Parents are created one at a time beneath the root, each resolved
    // first, so a planted symlink cannot carry the creation outside.
    fs::path built;
    for (const auto& part : rel.parent_path()) {
      built /= part;
      auto at = services::migration::resolve_in_datastore(root_, built.string(), false);
      if (!at)
        return within(at.error(), "share " + name_);
      if (::mkdir(at.value().c_str(), 0755) != 0 && errno != EEXIST)
        return from_errno("creating " + at.value().string());
    }
  }
  auto to = services::migration::resolve_in_datastore(root_, path, false);
  if (!to)
    return within(to.error(), "share " + name_);
  if (::rename(from.c_str(), to.value().c_str()) != 0)
    return from_errno("committing " + std::string(path));
  return sync_dir(to.value().parent_path());
}

result<void> share_files::quarantine_incoming(std::string_view access) const {
  return move_file(incoming(access), quarantine_ / std::string(access));
}

result<void> share_files::quarantine_file(std::string_view path, std::string_view access) const {
  auto from = services::migration::resolve_in_datastore(root_, path, true);
  if (!from)
    return within(from.error(), "share " + name_);
  return move_file(from.value(), quarantine_ / std::string(access));
}

void share_files::discard(std::string_view access) const {
  std::error_code ec;
  fs::remove(incoming(access), ec);
}

result<int> share_files::open_for_read(std::string_view path) const {
  auto at = services::migration::resolve_in_datastore(root_, path, true);
  if (!at)
    return at.error();
  const int fd = ::open(at.value().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return from_errno(std::string(path));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(std::errc::is_a_directory, std::string(path) + " is not a regular file");
  }
  return fd;
}

std::vector<std::string> share_files::leftovers() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_ / std::string(incoming_dir), ec))
    out.push_back(entry.path().filename().string());
  return out;
}

result<std::size_t> share_files::recover(const leftover_fate& fate) const {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_ / std::string(incoming_dir), ec)) {
    const auto access = entry.path().filename().string();
    const auto [what, path] = fate(access);
    switch (what) {
    case leftover::commit:
      SM_TRYV(commit(access, path));
      break;
    case leftover::quarantine:
      SM_TRYV(quarantine_incoming(access));
      break;
    case leftover::discard:
      discard(access);
      break;
    }
    ++n;
  }
  if (ec)
    return error{ec, "share " + name_ + ": reading its incoming files"};
  return n;
}

} // namespace storemesh::agents::access_server
