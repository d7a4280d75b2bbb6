#pragma once
// Hand-off from a partition to a new reader: the segment holding the first
// offset to read, opened, with a scanner already positioned at the batch that
// holds that offset (so the reader starts without rescanning).

#include "events/file_log/posix_file.hpp"
#include "events/file_log/segment_scanner.hpp"
#include "events/strong_types.hpp"

#include <optional>

namespace storemesh::events::file_log_detail {

struct read_start {
  /// First offset the reader returns; records before it in the first batch are skipped.
  offset from;
  /// Base offset of the segment holding `from`; empty while the partition has
  /// no segment at all (then the reader waits for "<from>.seg").
  std::optional<offset> segment;
  unique_fd fd;                            // that segment, open read-only
  std::optional<segment_scanner> scanner;  // at the batch holding `from` (or the segment's valid end)
  /// Newest segment that existed when positioning: if the reader runs out of
  /// an older segment and finds no successor, a segment is missing.
  offset newest_segment;
};

} // namespace storemesh::events::file_log_detail
