#pragma once
// Big-endian field access for the FC, FCP and SCSI layouts (all of them are
// big-endian on the wire). Callers check sizes first; these do not.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace storemesh::services::control_path {

using bytes = std::vector<std::uint8_t>;

inline void put_be(std::uint8_t* p, std::uint64_t v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
}
inline std::uint64_t get_be(const std::uint8_t* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}
inline void append_be(bytes& out, std::uint64_t v, std::size_t n) {
  out.resize(out.size() + n);
  put_be(out.data() + out.size() - n, v, n);
}

} // namespace storemesh::services::control_path
