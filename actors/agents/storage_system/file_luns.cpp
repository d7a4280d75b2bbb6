#include "actors/agents/storage_system/file_luns.hpp"

#include "actors/agents/storage_system/seqpacket.hpp"
#include "services/control_path/fc_errc.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace storemesh::actors::storage_system {

namespace fs = std::filesystem;
using cp::lun_errc;

result<lun_spec> parse_lun_spec(const std::string& text) {
  const auto colon = text.find(':');
  auto bad = [&] { return make_error(cp::fc_errc::bad_argument, fmt::format("'{}' is not N:SIZE (SIZE: bytes or 64M, 1G ...)", text)); };
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return bad();
  lun_spec s;
  std::size_t used = 0;
  try {
    s.lun = std::stoull(text.substr(0, colon), &used);
    if (used != colon || s.lun > 16383) return bad();
    std::string size = text.substr(colon + 1);
    std::uint64_t mult = 1;
    switch (size.back()) {
      case 'K': case 'k': mult = 1ull << 10; break;
      case 'M': case 'm': mult = 1ull << 20; break;
      case 'G': case 'g': mult = 1ull << 30; break;
      case 'T': case 't': mult = 1ull << 40; break;
      default: break;
    }
    if (mult != 1) size.pop_back();
    s.size_bytes = std::stoull(size, &used) * mult;
    if (used != size.size() || s.size_bytes == 0 || s.size_bytes % 512) return bad();
  } catch (const std::exception&) {
    return bad();
  }
  return s;
}

std::string file_luns::lun_path(std::uint64_t lun) const { return fmt::format("{}/lun{}.img", dir_, lun); }
std::string file_luns::snapshot_path(std::uint64_t lun, const std::string& name) const {
  return fmt::format("{}/snapshots/lun{}/{}.img", dir_, lun, name);
}
std::string file_luns::replica_path(std::uint64_t lun, const std::string& target) const {
  return fmt::format("{}/replicas/{}/lun{}.img", dir_, target, lun);
}

result<std::unique_ptr<file_luns>> file_luns::open(const std::string& dir, const std::vector<lun_spec>& create,
                                                    std::size_t max_snapshots) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return errno_error(ec.value(), "create " + dir);
  std::unique_ptr<file_luns> self(new file_luns(dir, max_snapshots));
  for (const auto& s : create) {
    const auto path = self->lun_path(s.lun);
    if (fs::exists(path)) continue;
    unique_fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd) return errno_error(errno, "create " + path);
    if (::ftruncate(fd.get(), static_cast<off_t>(s.size_bytes)) != 0) return errno_error(errno, "ftruncate " + path);
  }
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const auto name = e.path().filename().string();
    if (name.rfind("lun", 0) != 0 || e.path().extension() != ".img") continue;
    const auto digits = name.substr(3, name.size() - 7);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 5) continue;
    const std::uint64_t lun = std::stoull(digits);
    SM_TRY(self->meta_[lun], self->load(lun));
  }
  if (ec) return errno_error(ec.value(), "list " + dir);
  // Copies a crash interrupted before their rename.
  for (const char* sub : {"snapshots", "replicas"})
    if (fs::exists(fs::path(dir) / sub))
      for (const auto& e : fs::recursive_directory_iterator(fs::path(dir) / sub, ec))
        if (e.path().extension() == ".tmp") fs::remove(e.path(), ec);
  return self;
}

std::vector<std::uint64_t> file_luns::luns() const {
  std::lock_guard lock(mutex_);
  std::vector<std::uint64_t> out;
  for (const auto& [l, m] : meta_) out.push_back(l);
  return out;
}

result<void> file_luns::known(std::uint64_t lun) const {
  if (!meta_.count(lun)) return make_error(lun_errc::no_such_lun, fmt::format("LUN {}", lun));
  return success();
}

result<std::uint64_t> file_luns::size_bytes(std::uint64_t lun) const {
  std::lock_guard lock(mutex_);
  SM_TRYV(known(lun));
  struct stat st {};
  if (::stat(lun_path(lun).c_str(), &st) != 0) return make_error(lun_errc::io_failure, "stat " + lun_path(lun));
  return static_cast<std::uint64_t>(st.st_size);
}

result<void> file_luns::snapshot_create(std::uint64_t lun, const std::string& name) {
  std::lock_guard lock(mutex_);
  SM_TRYV(known(lun));
  if (!cp::valid_object_name(name)) return make_error(lun_errc::bad_name, name);
  auto meta = meta_.at(lun);
  if (meta.snapshots.count(name)) return make_error(lun_errc::snapshot_exists, name);
  if (meta.snapshots.size() >= max_snapshots_) return make_error(lun_errc::too_many_snapshots, std::to_string(max_snapshots_));
  const auto path = snapshot_path(lun, name);
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  auto size = copy_whole_file(lun_path(lun), path);
  if (!size) return make_error(lun_errc::io_failure, size.error().message());
  meta.snapshots[name] = {name, size.value(), static_cast<std::uint64_t>(std::time(nullptr))};
  SM_TRYV(save(lun, meta));
  meta_[lun] = std::move(meta);
  return success();
}

result<std::vector<cp::snapshot_info>> file_luns::snapshot_list(std::uint64_t lun) const {
  std::lock_guard lock(mutex_);
  SM_TRYV(known(lun));
  std::vector<cp::snapshot_info> out;
  for (const auto& [n, s] : meta_.at(lun).snapshots) out.push_back(s);
  return out;
}

result<void> file_luns::snapshot_delete(std::uint64_t lun, const std::string& name) {
  std::lock_guard lock(mutex_);
  SM_TRYV(known(lun));
  auto meta = meta_.at(lun);
  if (!meta.snapshots.erase(name)) return make_error(lun_errc::snapshot_not_found, name);
  SM_TRYV(save(lun, meta));  // forget it first: a crash now leaves an orphan file, never a listed snapshot without one
  meta_[lun] = std::move(meta);
  if (::unlink(snapshot_path(lun, name).c_str()) != 0 && errno != ENOENT)
    return make_error(lun_errc::io_failure, "unlink " + snapshot_path(lun, name));
  return success();
}

result<cp::replication_info> file_luns::replication_start(std::uint64_t lun, const std::string& target) {
  std::lock_guard lock(mutex_);
  SM_TRYV(known(lun));
  if (!cp::valid_object_name(target)) return make_error(lun_errc::bad_name, target);
  auto meta = meta_.at(lun);
  if (meta.replication.state == cp::replication_state::active)
    return make_error(lun_errc::replication_active, meta.replication.target);
  const auto path = replica_path(lun, target);
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  auto size = copy_whole_file(lun_path(lun), path);
  if (!size) return make_error(lun_errc::io_failure, size.error().message());
  meta.replication = {cp::replication_state::active, target, size.value()};
  SM_TRYV(save(lun, meta));
  meta_[lun] = meta;
  return meta.replication;
}

result<cp::replication_info> file_luns::replication_stop(std::uint64_t lun) {
  std::lock_guard lock(mutex_);
  SM_TRYV(known(lun));
  auto meta = meta_.at(lun);
  if (meta.replication.state != cp::replication_state::active)
    return make_error(lun_errc::replication_not_active, fmt::format("LUN {}", lun));
  meta.replication.state = cp::replication_state::stopped;
  SM_TRYV(save(lun, meta));
  meta_[lun] = meta;
  return meta.replication;
}

result<cp::replication_info> file_luns::replication_status(std::uint64_t lun) const {
  std::lock_guard lock(mutex_);
  SM_TRYV(known(lun));
  return meta_.at(lun).replication;
}

result<void> file_luns::save(std::uint64_t lun, const lun_meta& m) const {
  std::string text = "storemesh-lun-meta 1\n";
  for (const auto& [n, s] : m.snapshots) text += fmt::format("snapshot {} {} {}\n", n, s.size_bytes, s.created_unix_s);
  if (m.replication.state != cp::replication_state::none)
    text += fmt::format("replication {} {} {}\n", m.replication.state == cp::replication_state::active ? "active" : "stopped",
                        m.replication.target, m.replication.bytes_copied);
  const auto path = fmt::format("{}/lun{}.meta", dir_, lun), tmp = path + ".tmp";
  unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return make_error(lun_errc::io_failure, "open " + tmp);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()) || ::fsync(fd.get()) != 0)
    return make_error(lun_errc::io_failure, "write " + tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return make_error(lun_errc::io_failure, "rename " + tmp);
  unique_fd d(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d) ::fsync(d.get());  // the rename itself durable
  return success();
}

result<file_luns::lun_meta> file_luns::load(std::uint64_t lun) const {
  lun_meta m;
  const auto path = fmt::format("{}/lun{}.meta", dir_, lun);
  std::ifstream in(path);
  if (!in) return m;  // a new LUN
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::istringstream words(line);
    std::string kind, a, b;
    std::uint64_t x = 0, y = 0;
    words >> kind;
    const auto bad = make_error(lun_errc::io_failure, fmt::format("{} line {}: '{}'", path, number, line));
    if (number == 1) {
      if (line != "storemesh-lun-meta 1") return bad;
    } else if (kind == "snapshot" && (words >> a >> x >> y) && cp::valid_object_name(a)) {
      m.snapshots[a] = {a, x, y};
    } else if (kind == "replication" && (words >> a >> b >> x) && (a == "active" || a == "stopped")) {
      m.replication = {a == "active" ? cp::replication_state::active : cp::replication_state::stopped, b, x};
    } else {
      return bad;
    }
  }
  return m;
}

} // namespace storemesh::actors::storage_system
