#pragma once
// datagram_traffic: a host sending SMDG datagrams into the network, for
// tests and `storemesh datagram send`. The datagrams leave unstamped (epoch
// 0), so the router they are sent to stamps them (datagram_plane.hpp).
//
//   auto s = send_datagrams({.to = "127.0.0.1:4000", .destination = ..., .flow = 7, .count = 1000, .rate_per_s = 5000});
//
// Pacing: datagram i (0-based) leaves at start + i / rate, so the rate holds
// on average over any stretch; when the sender falls behind (the scheduler,
// a slow sleep) it catches up in a burst of at most `burst` datagrams. A
// rate of 0 sends as fast as the socket takes them.

#include "events/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace storemesh::actors::router_plane {

struct traffic_options {
  std::string to;                   ///< the ingress router's UDP endpoint, A.B.C.D:PORT
  std::uint32_t destination = 0;    ///< IPv4, host order
  std::uint32_t source = 0x7F000001;  ///< IPv4, host order (127.0.0.1)
  std::uint32_t flow = 0;
  std::uint64_t count = 1;
  std::uint64_t first_sequence = 1;  ///< sequences first .. first + count - 1
  double rate_per_s = 1000;         ///< datagrams per second; 0: unpaced
  std::size_t payload_bytes = 0;    ///< at most max_payload_bytes (1366)
  std::uint8_t ttl = 64;
  std::size_t burst = 64;           ///< most datagrams sent in one go when catching up
};

struct traffic_summary {
  std::uint64_t sent = 0;
  std::uint64_t first_sequence = 0, last_sequence = 0;
  double seconds = 0;  ///< from the first send to the last
  /// Datagrams per second achieved: sent - 1 intervals over `seconds` (0 for a single datagram).
  [[nodiscard]] double rate() const { return seconds > 0 && sent > 1 ? static_cast<double>(sent - 1) / seconds : 0; }
};

/// Sends options.count datagrams; bad_endpoint, bad_option (payload too
/// large, negative rate, zero count), send_failed (with errno; how many were
/// sent is in the detail).
[[nodiscard]] result<traffic_summary> send_datagrams(const traffic_options& options);

} // namespace storemesh::actors::router_plane
