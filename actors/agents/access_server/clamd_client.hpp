#pragma once
// A client of a running clamd over its unix socket (or TCP host:port), with
// Boost.Asio, blocking, with a deadline on every step: an access streams its
// data to clamd while it arrives (instream), and a dead or stuck clamd is an
// `unavailable` result, never a hang or an exception.
//
//   instream() --feed(bytes)*--> finish() -> clean | infected | unavailable

#include "services/access/clamd_protocol.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace storemesh::agents::access_server {

struct scan_result {
  enum class kind : std::uint8_t { clean, infected, unavailable } what = kind::unavailable;
  std::string signature;   ///< infected
  std::string db_version;  ///< clean / infected: the database the verdict came from
  std::string error;       ///< unavailable: why (connect refused, reset mid-stream, timeout, clamd's ERROR)
};

struct clamd_options {
  std::string address;  ///< an absolute unix socket path, or host:port
  std::chrono::milliseconds io_timeout{10'000};  ///< per step: connect, each write, the reply
  std::size_t chunk_bytes = 256 * 1024;          ///< INSTREAM chunks are at most this large
};

/// One INSTREAM. feed() after a failure is a no-op; finish() then says
/// unavailable with the first error.
class clamd_stream {
public:
  virtual ~clamd_stream() = default;
  virtual void feed(const void* data, std::size_t size) = 0;
  [[nodiscard]] virtual scan_result finish() = 0;
};

class clamd_client {
public:
  explicit clamd_client(clamd_options o);
  ~clamd_client();

  /// Starts a scan. Its verdict names the database version clamd reported
  /// right before and right after it; when a RELOAD came between (they
  /// differ) it names both, "7->8", which no cache lookup ever matches.
  [[nodiscard]] std::unique_ptr<clamd_stream> instream();
  /// Scans the whole of a file through INSTREAM (used by rescans and reads).
  [[nodiscard]] scan_result scan_fd(int fd);
  /// zVERSION: the engine and database version, or ok=false.
  [[nodiscard]] services::access::clamd_version_info version();
  [[nodiscard]] bool ping();
  [[nodiscard]] const clamd_options& options() const { return o_; }

private:
  clamd_options o_;
};

} // namespace storemesh::agents::access_server
