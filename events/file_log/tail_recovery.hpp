#pragma once
// Finds where the valid data of a segment ends, and (when allowed) cuts off
// what follows.
//
// The policy, Redpanda's: in the LAST segment of a partition, everything from
// the first batch that is incomplete or torn (bad magic, impossible length,
// CRC mismatch) to the end of the file is a torn tail — the remains of a
// writer that died mid-write, since appends are strictly sequential — and a
// writer truncates it. A CRC mismatch with valid batches after it cannot be
// told apart cheaply from a torn tail, so it is treated the same: dropped.
// A batch whose CRC matches but whose content is wrong ("inconsistent") was
// never produced by a torn write; it is reported as corrupt_record and never
// truncated. Rolled (earlier) segments are never recovered: a bad batch there
// is corruption, which the reader reports.
//
// Repair (truncation) is only allowed to the holder of the partition's lock in
// exclusive mode: anybody else may be looking at a write in progress.

#include "events/error.hpp"
#include "events/file_log/sparse_index.hpp"
#include "events/strong_types.hpp"

#include <cstdint>
#include <filesystem>
#include <string>

namespace storemesh::events::file_log_detail {

enum class tail_mode {
  observe, // read-only: report where valid data ends, touch nothing
  repair,  // truncate a torn tail (caller holds the partition lock exclusively)
};

struct tail_checkpoint {
  offset end;                     // offset the next record will get
  std::uint64_t valid_bytes = 0;  // file length up to the end of the last valid batch
  std::uint64_t file_bytes = 0;   // file length as seen (before any truncation)
  bool torn = false;              // bytes after valid_bytes were found (and cut, under repair)
  std::string why;                // what was wrong with them
};

/// Scans `fd` from `pos` (a batch boundary where offset `next` starts) to the
/// end, verifying every batch and noting batch positions in `index`.
[[nodiscard]] result<tail_checkpoint> recover_tail(int fd, const std::filesystem::path& file, std::uint64_t pos,
                                                   offset next, tail_mode mode, sparse_index& index);

} // namespace storemesh::events::file_log_detail
