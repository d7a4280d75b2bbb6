#pragma once
// The standard CRC32C (Castagnoli, the iSCSI polynomial; the check value of
// "123456789" is 0xE3069283), by ISA-L's crc32_iscsi: what the file log's
// batches and delivery's slices carry, so that any other tool (Python's
// crcmod, Go's hash/crc32 with the Castagnoli table) computes the same.
// Header-only so that a component uses it by linking ISAL::isal, without the
// file log.

#include <isa-l/crc.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>

namespace storemesh::events {

/// CRC32C of data[0, n), continuing from `crc` (the CRC32C of the bytes
/// before; 0 to start): crc32c(b, nb, crc32c(a, na)) == crc32c(a || b).
[[nodiscard]] inline std::uint32_t crc32c(const void* data, std::size_t n, std::uint32_t crc = 0) {
  // crc32_iscsi neither pre- nor post-inverts; doing both here makes it the
  // standard CRC. It takes an int length: longer buffers go in pieces.
  auto* p = const_cast<unsigned char*>(static_cast<const unsigned char*>(data));
  std::uint32_t state = ~crc;
  while (n > 0) {
    const std::size_t piece = std::min<std::size_t>(n, std::size_t{1} << 30);
    state = crc32_iscsi(p, static_cast<int>(piece), state);
    p += piece;
    n -= piece;
  }
  return ~state;
}

} // namespace storemesh::events
