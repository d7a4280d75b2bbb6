#pragma once
// The slice file and wire format: a fixed 128-byte header, then the payload.
// The same bytes are an edge's slice file and the body of its HTTP answer,
// so a slice is checked the same way at rest and on the wire.
// services/delivery/SLICE_FORMAT.md has the table and a hex example.
//
//   offset size field (integers little-endian)
//        0    4 magic "SMSL"
//        4    2 format version (1)
//        6    2 header bytes (128)
//        8    1 k                      geometry: data pillars per segment
//        9    1 m                      geometry: parity pillars per segment
//       10    1 name length n (1..63)
//       11    1 flags (0)
//       12    4 segment                which segment of the content
//       16    4 pillar                 0..k-1 data, k..k+m-1 parity
//       20    4 reserved (0)
//       24    8 content bytes          geometry: the content's size
//       32    8 segment bytes          geometry: data bytes per segment
//       40    8 payload bytes          = slice_bytes(geometry)
//       48   64 content name           n bytes (check_name), then zeros
//      112    4 payload CRC32C         of the payload bytes
//      116    8 reserved (0)
//      124    4 header CRC32C          of bytes [0, 124)
//      128    . payload
//
// The header carries the whole geometry so that a slice alone says where it
// belongs and how large it must be; reserved fields and flags must be zero
// (a change of meaning is a new version). CRC32C is the standard one
// (events/crc32c.hpp), the value content::added records per slice.

#include "events/error.hpp"
#include "services/delivery/layout.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace storemesh::services::delivery {

inline constexpr std::size_t slice_header_bytes = 128;
inline constexpr std::uint16_t slice_format_version = 1;
inline constexpr std::uint8_t slice_magic[4] = {'S', 'M', 'S', 'L'};

struct slice_header {
  slice_ref slice;                  ///< content, segment, pillar
  delivery::geometry geometry;
  std::uint64_t payload_bytes = 0;  ///< slice_bytes(geometry)
  std::uint32_t payload_crc32c = 0;
  bool operator==(const slice_header& o) const {
    return slice == o.slice && geometry == o.geometry && payload_bytes == o.payload_bytes &&
           payload_crc32c == o.payload_crc32c;
  }
};

using slice_header_buffer = std::array<std::uint8_t, slice_header_bytes>;

/// The header of `payload` (its CRC32C computed here). Errors as write_header.
[[nodiscard]] result<slice_header> make_slice_header(const slice_ref& slice, const delivery::geometry& g,
                                                     const std::uint8_t* payload, std::size_t size);

/// The 128 header bytes. Refuses what read_header would refuse: bad_name (not
/// check_name), bad_sizes (check_geometry, segment or pillar out of range,
/// payload_bytes != slice_bytes(geometry)).
[[nodiscard]] result<slice_header_buffer> write_header(const slice_header& h);

/// The header at the start of `bytes` (what follows, the payload, is not
/// read). Checked in this order: short_header (size < 128), bad_magic,
/// bad_version, header_checksum, bad_sizes (header length, flags, reserved),
/// bad_name, bad_sizes (the geometry and the fields against it).
[[nodiscard]] result<slice_header> read_header(const std::uint8_t* bytes, std::size_t size);

/// Whether `payload` is the slice its header describes: bad_sizes if size !=
/// payload_bytes, corrupt_payload if its CRC32C is not the header's.
[[nodiscard]] result<void> verify(const slice_header& h, const std::uint8_t* payload, std::size_t size);
/// And also the slice the origin coded: unexpected_crc if the header's CRC32C
/// is not `expected_crc` (content::expected_crc).
[[nodiscard]] result<void> verify(const slice_header& h, const std::uint8_t* payload, std::size_t size,
                                  std::uint32_t expected_crc);

} // namespace storemesh::services::delivery
