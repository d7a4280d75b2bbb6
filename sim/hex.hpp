#pragma once
// Bytes as lowercase hex, for the simulator's messages and trace hash. Its
// own (not events/crypto's): the invariants share no code with the runtime
// they check.

#include <string>
#include <string_view>

namespace storemesh::sim {

[[nodiscard]] inline std::string hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

} // namespace storemesh::sim
