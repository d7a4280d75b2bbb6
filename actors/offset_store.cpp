#include "actors/offset_store.hpp"

#include <cerrno>
#include <fstream>

namespace storemesh::actors {

std::filesystem::path offset_store::file(const std::string& topic, partition_id p) const {
  return dir_ / (topic + "." + std::to_string(p.value));
}

offset offset_store::committed(const std::string& topic, partition_id p) const {
  std::ifstream in(file(topic, p));
  std::int64_t value = 0;
  if (in >> value && value >= 0)
    return offset{value};
  return offset{0};
}

result<void> offset_store::commit(const std::string& topic, partition_id p, offset o) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  const auto target = file(topic, p);
  const auto temp = target.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << o.value << '\n';
    if (!out)
      return errno_error(errno ? errno : EIO, "write " + temp);
  }
  std::filesystem::rename(temp, target, ec);
  if (ec)
    return error{ec, "rename " + temp};
  return success();
}

} // namespace storemesh::actors
