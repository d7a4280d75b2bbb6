#pragma once
// The origin's manifest of a content: the SHA-256 of the whole file and the
// CRC32C of every slice payload, what content::add records so that edges'
// confirmations and fetches are checked against the origin's coding.
//
// code_file streams the file one segment at a time through a segment_coder
// (memory: one segment plus m slices, whatever the file's size) and hashes
// the same bytes as it goes. A sink, when given, sees every segment's k+m
// payloads as they are coded: the origin writes its slice files in the same
// pass instead of reading the file twice.

#include "events/error.hpp"
#include "services/delivery/coding/segment_coder.hpp"
#include "services/delivery/layout.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace storemesh::services::delivery {

struct manifest {
  delivery::geometry geometry;              ///< bytes = the file's size
  std::string sha256;                       ///< 64 lowercase hex digits of the file
  std::vector<std::uint32_t> slice_crc32c;  ///< index segment * (k + m) + pillar
};

/// Called once per segment, in order, with its k+m payloads (slice_bytes
/// each, valid during the call). An error stops code_file, which returns it.
using segment_sink = std::function<result<void>(std::uint64_t segment, const slice_views& payloads)>;

/// Codes the file at `path` with g's segment_bytes, k and m. g.bytes is 0
/// (take the file's size) or must be the file's size. Errors: bad_geometry
/// (check_geometry, an empty file, a size other than g.bytes), io_error (open,
/// read, or the file changing size while read; the detail names the path),
/// or the sink's error.
[[nodiscard]] result<manifest> code_file(const std::filesystem::path& path, const delivery::geometry& g,
                                         const segment_sink& sink = {});

} // namespace storemesh::services::delivery
