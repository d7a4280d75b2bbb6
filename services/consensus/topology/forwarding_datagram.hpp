#pragma once
// forwarding_datagram: what routers carry in UDP datagrams on the data plane,
// and its wire format (FORMAT.md, "Datagram", byte by byte). All integers are
// big-endian; a datagram is at most max_datagram_bytes, so it fits one UDP
// payload on any path without IP fragmentation.
//
//   offset size field
//        0    4 magic "SMDG"
//        4    1 format version (1)
//        5    1 ttl: hops left; a router that would forward at ttl <= 1 drops it
//        6    1 flags: none defined yet; sent as 0, carried unchanged
//        7    4 destination IPv4 address
//       11    4 source IPv4 address
//       15    4 flow id
//       19    8 sequence number (within the flow)
//       27    4 topology epoch: stamped by the ingress router (the number of
//               the activation it forwarded under); every router on the way
//               routes it by that epoch's table, so it follows one topology
//       31    1 hop count: routers passed so far (incremented per forward)
//       32    2 payload length
//       34    n payload

#include "events/error.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace storemesh::services::consensus {

/// Which activation of a topology a datagram is routed under.
struct topology_epoch {
  std::uint32_t value = 0;
  friend bool operator==(topology_epoch a, topology_epoch b) noexcept { return a.value == b.value; }
  friend bool operator!=(topology_epoch a, topology_epoch b) noexcept { return a.value != b.value; }
  friend bool operator<(topology_epoch a, topology_epoch b) noexcept { return a.value < b.value; }
};

inline constexpr std::uint8_t datagram_magic[4] = {'S', 'M', 'D', 'G'};
inline constexpr std::uint8_t datagram_version = 1;
inline constexpr std::size_t datagram_header_bytes = 34;
inline constexpr std::size_t max_datagram_bytes = 1400;
inline constexpr std::size_t max_payload_bytes = max_datagram_bytes - datagram_header_bytes;  // 1366

struct forwarding_datagram {
  std::uint8_t ttl = 64;
  std::uint8_t flags = 0;
  std::uint32_t destination = 0;  // IPv4, host order
  std::uint32_t source = 0;       // IPv4, host order
  std::uint32_t flow = 0;
  std::uint64_t sequence = 0;
  topology_epoch epoch;
  std::uint8_t hop_count = 0;
  std::vector<std::uint8_t> payload;  // at most max_payload_bytes

  friend bool operator==(const forwarding_datagram& a, const forwarding_datagram& b) {
    return a.ttl == b.ttl && a.flags == b.flags && a.destination == b.destination && a.source == b.source &&
           a.flow == b.flow && a.sequence == b.sequence && a.epoch == b.epoch && a.hop_count == b.hop_count &&
           a.payload == b.payload;
  }
};

/// The wire bytes; datagram_too_large when the payload exceeds max_payload_bytes.
[[nodiscard]] result<std::vector<std::uint8_t>> encode_datagram(const forwarding_datagram& d);

/// The datagram in `bytes`, or: datagram_too_large (more than
/// max_datagram_bytes), datagram_short (less than a header), datagram_bad_magic,
/// datagram_bad_version, datagram_length_mismatch (the payload length field
/// and the bytes after the header differ), checked in that order.
[[nodiscard]] result<forwarding_datagram> decode_datagram(const std::uint8_t* bytes, std::size_t size);
[[nodiscard]] inline result<forwarding_datagram> decode_datagram(const std::vector<std::uint8_t>& bytes) {
  return decode_datagram(bytes.data(), bytes.size());
}

} // namespace storemesh::services::consensus
