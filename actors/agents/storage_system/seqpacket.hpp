#pragma once
// seqpacket: the simulated FC link's transport. An AF_UNIX SOCK_SEQPACKET
// socket keeps message boundaries, so one send is one whole FC frame and a
// receive never sees half a frame or two. Descriptors are owned by unique_fd.

#include "events/error.hpp"
#include "services/control_path/bytes.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace storemesh::actors::storage_system {

using services::control_path::bytes;

class unique_fd {
public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(o.release()) {}
  unique_fd& operator=(unique_fd&& o) noexcept;
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }
  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] explicit operator bool() const { return fd_ >= 0; }
  int release() { int f = fd_; fd_ = -1; return f; }
  void reset();

private:
  int fd_ = -1;
};

/// Binds and listens on path (a stale socket file there is removed first).
[[nodiscard]] result<unique_fd> listen_seqpacket(const std::string& path, int backlog = 8);
[[nodiscard]] result<unique_fd> connect_seqpacket(const std::string& path);
/// One message, whole or not at all (link_down when the peer is gone).
[[nodiscard]] result<void> send_message(int fd, const bytes& message);

/// What one receive gave: a message, nothing within the wait, or the peer's close.
struct received {
  std::optional<bytes> message;
  bool closed = false;
  bool oversize = false;  // a message longer than max_bytes was received and discarded
};
/// Waits up to `wait` (0: do not wait) for one message of at most max_bytes.
[[nodiscard]] result<received> receive_message(int fd, std::size_t max_bytes, std::chrono::milliseconds wait);

} // namespace storemesh::actors::storage_system
