#pragma once
// Where batches start inside one segment, remembered sparsely (about one entry
// per index_interval bytes) so that positioning a reader near the end of a
// large segment does not rescan it from the start. Built lazily: entries come
// from whatever scanned or wrote the segment (recovery, appends, seeks).
//
// Only batches whose CRC was verified are ever noted, so an entry always
// names a real batch boundary. Not thread-safe: the partition guards it.

#include "events/strong_types.hpp"

#include <cstdint>
#include <map>

namespace storemesh::events::file_log_detail {

class sparse_index {
public:
  static constexpr std::uint64_t index_interval = 64 * 1024;

  struct entry {
    offset base;           // offset of the batch's first record
    std::uint64_t pos = 0; // file position of the batch
  };

  explicit sparse_index(offset segment_base) : segment_base_(segment_base) {}

  /// Remembers that a verified batch starting with `base` is at `pos`, unless
  /// a known entry is already within index_interval before it.
  void note(offset base, std::uint64_t pos);

  /// The known batch start with the greatest base offset <= target (the start
  /// of the segment when nothing better is known).
  [[nodiscard]] entry floor(offset target) const;

  [[nodiscard]] std::size_t size() const { return entries_.size(); }

private:
  offset segment_base_;
  std::map<std::int64_t, std::uint64_t> entries_; // base offset -> file position
};

} // namespace storemesh::events::file_log_detail
