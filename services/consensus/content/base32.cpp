#include "services/consensus/content/base32.hpp"

#include "services/consensus/content/content_errc.hpp"

#include <cstdint>

namespace storemesh::services::consensus {
namespace {

constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

int value_of(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

} // namespace

std::string base32_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : bytes) {
    buffer = (buffer << 8) | static_cast<std::uint8_t>(c);
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31];
  return out;
}

result<std::string> base32_decode(std::string_view text) {
  // Lengths mod 8 of 1, 3 and 6 characters encode no whole number of bytes.
  const std::size_t tail = text.size() % 8;
  if (tail == 1 || tail == 3 || tail == 6)
    return make_error(content_errc::bad_base32, "impossible length " + std::to_string(text.size()));
  std::string out;
  out.reserve(text.size() * 5 / 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int v = value_of(text[i]);
    if (v < 0) return make_error(content_errc::bad_base32, "character " + std::to_string(i) + " is not in a-z2-7");
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out += static_cast<char>((buffer >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  if ((buffer & ((1u << bits) - 1)) != 0) return make_error(content_errc::bad_base32, "non-zero trailing bits");
  return out;
}

} // namespace storemesh::services::consensus
