#include "actors/agents/edge_unit/slice_store.hpp"

#include "services/migration/engine/file_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <system_error>

namespace storemesh::agents::edge_unit {
namespace {

namespace io = services::migration::engine_detail;
using services::migration::engine_errc;
namespace fs = std::filesystem;

constexpr std::string_view temp_suffix = ".incoming";

bool is_temp(const fs::path& p) {
  const auto n = p.filename().string();
  return n.size() > temp_suffix.size() && n.compare(n.size() - temp_suffix.size(), temp_suffix.size(), temp_suffix) == 0;
}

} // namespace

result<slice_store> slice_store::open(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return io::io_failure(ec.value(), "mkdir", dir);
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && is_temp(e.path()))
      fs::remove(e.path(), ec);
  if (ec)
    return io::io_failure(ec.value(), "scan", dir);
  return slice_store(fs::absolute(dir));
}

result<void> slice_store::put(const std::string& name, std::string_view bytes) {
  // One temporary per writer: two puts of the same slice at once each write
  // their own and the last rename wins (both hold the same bytes).
  static std::atomic<std::uint64_t> serial{0};
  const auto final_path = dir_ / name;
  const auto temp = dir_ / (name + "." + std::to_string(::getpid()) + "-" + std::to_string(serial++) +
                            std::string(temp_suffix));
  SM_TRY(auto fd, io::open_file(temp, O_WRONLY | O_CREAT | O_TRUNC, engine_errc::io_error));
  auto written = io::pwrite_full(fd.get(), reinterpret_cast<const std::byte*>(bytes.data()), bytes.size(), 0, temp);
  if (written)
    written = io::datasync_file(fd.get(), temp);
  if (!written) {
    ::unlink(temp.c_str());
    return written.error();
  }
  if (::rename(temp.c_str(), final_path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return io::io_failure(err, "rename", final_path);
  }
  return io::sync_directory(dir_);
}

result<std::string> slice_store::get(const std::string& name) const {
  const auto p = dir_ / name;
  SM_TRY(auto fd, io::open_file(p, O_RDONLY, engine_errc::io_error));
  std::string out;
  std::byte buf[1 << 16];
  for (std::uint64_t at = 0;;) {
    SM_TRY(auto n, io::pread_full(fd.get(), buf, sizeof buf, at, p, engine_errc::io_error));
    out.append(reinterpret_cast<const char*>(buf), n);
    at += n;
    if (n < sizeof buf)
      break;
  }
  return out;
}

bool slice_store::has(const std::string& name) const {
  std::error_code ec;
  return fs::is_regular_file(dir_ / name, ec);
}

void slice_store::remove(const std::string& name) {
  std::error_code ec;
  fs::remove(dir_ / name, ec);
}

slice_store::usage slice_store::used() const {
  usage u;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec))
    if (e.is_regular_file(ec) && !is_temp(e.path())) {
      u.slices += 1;
      u.bytes += e.file_size(ec);
    }
  return u;
}

std::vector<std::string> slice_store::names() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec))
    if (e.is_regular_file(ec) && !is_temp(e.path()))
      out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace storemesh::agents::edge_unit
