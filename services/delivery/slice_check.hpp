#pragma once
// A slice file as it travels and rests (coding/slice_format.hpp lays it out)
// checked against what the log expects of it: the slice it claims to be, the
// content's geometry, the CRC32C the origin recorded. What an edge checks
// before it keeps a slice, and a fetch before it uses one.

#include "services/delivery/layout.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace storemesh::services::delivery {

/// "" when `file` is the slice `ref` of a content coded as `g` whose payload
/// has CRC32C `expected_crc`; else why not (header damaged, another slice,
/// another coding, payload corrupted).
[[nodiscard]] std::string check_slice(std::string_view file, const slice_ref& ref, const geometry& g,
                                      std::uint32_t expected_crc);

/// The slice file of `ref`: its header, then the payload (slice_bytes(g) bytes).
[[nodiscard]] std::string make_slice_file(const slice_ref& ref, const geometry& g, const std::uint8_t* payload);

/// The payload inside a file check_slice accepted.
[[nodiscard]] std::string_view slice_payload(std::string_view file);

} // namespace storemesh::services::delivery
