#include "ops/instance_claim.hpp"

#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <random>

#include <fmt/core.h>

namespace storemesh::ops {

result<instance_claim> instance_claim::take(const std::filesystem::path& state_dir) {
  std::random_device rd;
  const auto token = fmt::format("{}-{:08x}{:08x}", ::getpid(), rd(), rd());
  const auto file = state_dir / "instance";
  const auto temp = file.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << token << '\n';
    if (!out)
      return errno_error(errno ? errno : EIO, "write " + temp);
  }
  std::error_code ec;
  std::filesystem::rename(temp, file, ec);
  if (ec)
    return error{ec, "rename " + temp};
  return instance_claim(file, token);
}

result<bool> instance_claim::still_ours() const {
  std::ifstream in(file_);
  std::string now;
  if (!(in >> now))
    return errno_error(errno ? errno : ENOENT, "read " + file_.string());
  return now == token_;
}

} // namespace storemesh::ops
