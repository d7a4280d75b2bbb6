#pragma once
// The multiformats unsigned varint (unsigned LEB128): 7 bits per byte, least
// significant group first, high bit set on every byte but the last. As the
// multiformats spec requires, at most 9 bytes (values below 2^63) and minimal
// encoding only (no trailing 0x80 0x00 padding), so one value has one form and
// a CID has one binary encoding.

#include "events/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace storemesh::services::consensus {

/// The largest value a multiformats varint carries (2^63 - 1).
inline constexpr std::uint64_t max_varint = (std::uint64_t{1} << 63) - 1;

/// Appends v (at most max_varint; larger values are a programming error and
/// are clamped by the caller's contract, checked by assert).
void append_varint(std::string& out, std::uint64_t v);

struct varint_read {
  std::uint64_t value;
  std::size_t size;  ///< bytes consumed
};

/// Reads one varint from the start of `in`; bad_varint if truncated, longer
/// than 9 bytes or not minimal.
[[nodiscard]] result<varint_read> read_varint(std::string_view in);

} // namespace storemesh::services::consensus
