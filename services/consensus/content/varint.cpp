#include "services/consensus/content/varint.hpp"

#include "services/consensus/content/content_errc.hpp"

#include <cassert>

namespace storemesh::services::consensus {

void append_varint(std::string& out, std::uint64_t v) {
  assert(v <= max_varint);
  while (v >= 0x80) {
    out += static_cast<char>(static_cast<std::uint8_t>(v) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

result<varint_read> read_varint(std::string_view in) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < in.size() && i < 9; ++i) {
    const auto b = static_cast<std::uint8_t>(in[i]);
    value |= std::uint64_t{b & 0x7fu} << (7 * i);
    if ((b & 0x80) == 0) {
      // A last byte of zero after others is padding: the value had a shorter form.
      if (b == 0 && i > 0) return make_error(content_errc::bad_varint, "not minimally encoded");
      return varint_read{value, i + 1};
    }
  }
  return make_error(content_errc::bad_varint, in.size() < 9 ? "truncated" : "longer than 9 bytes");
}

} // namespace storemesh::services::consensus
