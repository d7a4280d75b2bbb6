#include "events/event_log.hpp"

#include <cstring>

namespace storemesh::events {
namespace {

// Kafka's Utils.murmur2 (seed 0x9747b28c), byte for byte, so that a key lands
// in the same partition whichever client wrote it.
std::int32_t murmur2(std::string_view key) {
  const auto* data = reinterpret_cast<const unsigned char*>(key.data());
  const std::int32_t length = static_cast<std::int32_t>(key.size());
  const std::uint32_t seed = 0x9747b28c;
  const std::uint32_t m = 0x5bd1e995;
  const int r = 24;
  std::uint32_t h = seed ^ static_cast<std::uint32_t>(length);
  const std::int32_t length4 = length / 4;
  for (std::int32_t i = 0; i < length4; ++i) {
    const std::int32_t i4 = i * 4;
    std::uint32_t k = (data[i4 + 0] & 0xffu) + ((data[i4 + 1] & 0xffu) << 8) + ((data[i4 + 2] & 0xffu) << 16) +
                      ((data[i4 + 3] & 0xffu) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  switch (length % 4) {
    case 3: h ^= static_cast<std::uint32_t>(data[(length & ~3) + 2] & 0xff) << 16; [[fallthrough]];
    case 2: h ^= static_cast<std::uint32_t>(data[(length & ~3) + 1] & 0xff) << 8; [[fallthrough]];
    case 1:
      h ^= static_cast<std::uint32_t>(data[length & ~3] & 0xff);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<std::int32_t>(h);
}

} // namespace

partition_id partition_for(std::string_view key, std::int32_t partitions) {
  // Java's Utils.toPositive: mask the sign bit, do not negate.
  const auto positive = murmur2(key) & 0x7fffffff;
  return partition_id{positive % partitions};
}

} // namespace storemesh::events
