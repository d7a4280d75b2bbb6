#pragma once
// Fixed-size secret bytes (keys, chaining keys, DH results) that are wiped
// when they go out of scope or are overwritten, so a session key does not
// linger in freed memory.

#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace storemesh::tunnels::noise {

using bytes = std::vector<std::uint8_t>;

template <std::size_t N>
struct secret {
  std::array<std::uint8_t, N> b{};

  secret() = default;
  secret(const secret& o) : b(o.b) {}
  secret& operator=(const secret& o) {
    b = o.b;
    return *this;
  }
  ~secret() { wipe(); }

  void wipe() { sodium_memzero(b.data(), N); }
  std::uint8_t* data() { return b.data(); }
  const std::uint8_t* data() const { return b.data(); }
  static constexpr std::size_t size() { return N; }
};

/// Wipes a byte vector's contents (plaintexts, handshake scratch) before it is freed.
inline void wipe(bytes& v) {
  if (!v.empty()) sodium_memzero(v.data(), v.size());
  v.clear();
}

} // namespace storemesh::tunnels::noise
