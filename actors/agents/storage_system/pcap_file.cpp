#include "actors/agents/storage_system/pcap_file.hpp"

#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <unistd.h>

namespace storemesh::actors::storage_system {

namespace cp = services::control_path;

namespace {

result<void> write_all(int fd, const bytes& b, const char* what) {
  for (std::size_t at = 0; at < b.size();) {
    const ssize_t n = ::write(fd, b.data() + at, b.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error(errno, what);
    at += static_cast<std::size_t>(n);
  }
  return success();
}

} // namespace

result<pcap_file> pcap_file::create(const std::string& path, cp::pcap_link_type link) {
  unique_fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return errno_error(errno, "create " + path);
  SM_TRYV(write_all(fd.get(), cp::pcap_file_header(link), "write pcap header"));
  return pcap_file(std::move(fd), link);
}

result<void> pcap_file::write(const cp::fc_frame& frame) {
  SM_TRY(auto packet, cp::pcap_packet(frame, link_));
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
  return write_all(fd_.get(), cp::pcap_record(static_cast<std::uint64_t>(us), packet), "write pcap record");
}

} // namespace storemesh::actors::storage_system
