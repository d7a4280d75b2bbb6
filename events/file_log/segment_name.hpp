#pragma once
// Segment file names: "<base_offset as 20 decimal digits>.seg", the offset of
// the segment's first record. Zero-padding makes a plain `ls` list segments
// in offset order; the fixed width makes "the segment starting at offset X"
// a single stat() rather than a directory listing.

#include "events/error.hpp"
#include "events/strong_types.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::events::file_log_detail {

[[nodiscard]] std::string segment_file_name(offset base);
[[nodiscard]] std::filesystem::path segment_path(const std::filesystem::path& partition_dir, offset base);

/// The base offset named by a segment file name, or nothing for any other name
/// (the lock file, a temp file, a stray file an operator left).
[[nodiscard]] std::optional<offset> parse_segment_file_name(std::string_view name);

/// Base offsets of the segments in a partition directory, ascending.
[[nodiscard]] result<std::vector<offset>> list_segments(const std::filesystem::path& partition_dir);

} // namespace storemesh::events::file_log_detail
