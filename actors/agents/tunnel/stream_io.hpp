#pragma once
// Blocking reads and writes on a connected TCP socket's descriptor, each
// bounded by a deadline (poll + non-blocking send/recv). Asio opens, connects
// and accepts the sockets; the data moves through these plain syscalls
// because they are safe to call from two threads at once (one reading, one
// writing), which an asio::ip::tcp::socket object does not promise.

#include "events/error.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace storemesh::agents::tunnel {

using steady = std::chrono::steady_clock;

/// Writes all n bytes before the deadline, or fails (timeout, io_error).
[[nodiscard]] result<void> write_all(int fd, const std::uint8_t* p, std::size_t n, steady::time_point deadline);
/// Reads what is there (at least one byte) before the deadline; 0 means
/// the peer ended the stream.
[[nodiscard]] result<std::size_t> read_some(int fd, std::uint8_t* p, std::size_t n, steady::time_point deadline);

} // namespace storemesh::agents::tunnel
