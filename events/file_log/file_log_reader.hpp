#pragma once
// The file log's log_reader: reads one partition forward, in this process,
// whoever wrote it. It needs no lock and opens its own descriptors, so any
// number of readers, in any number of processes, read while appenders append.
//
// Contract (on top of log_reader's):
// - Every batch is CRC-checked before any of its records is returned; views
//   point into the reader's 8-aligned buffer, so values are 8-aligned.
// - At the end of the data, an incomplete batch (a partial header, or fewer
//   bytes than its header says) is "not yet": poll() returns 0 and tries
//   again next time — another process may be writing it.
// - A complete batch that is bad (CRC mismatch, no header) may also be a
//   write in progress whose pages are partly visible. The reader then takes
//   the partition lock SHARED (appenders hold it exclusively while writing)
//   and reads again: still bad means corrupt_record, and the reader stays
//   failed. In a rolled segment nothing is in progress: bad is corrupt.
// - At the end of a segment the reader continues in "<position>.seg" as soon
//   as that file exists, whichever process rolled.
// Not thread-safe: one reader per thread.

#include "events/event_log.hpp"
#include "events/file_log/read_start.hpp"

#include <filesystem>
#include <optional>

namespace storemesh::events {

class file_log_reader final : public log_reader {
public:
  file_log_reader(std::filesystem::path partition_dir, file_log_detail::read_start start);

  [[nodiscard]] result<std::size_t> poll(std::vector<record_view>& out, std::size_t max_bytes) override;
  [[nodiscard]] offset position() const override { return position_; }

private:
  /// Emits records of the current batch; false once max_bytes is reached.
  bool emit(std::vector<record_view>& out, std::size_t max_bytes, std::size_t& count, std::size_t& bytes);
  /// At the clean end of the current segment: moves to the next one if it
  /// exists. Returns whether it moved.
  [[nodiscard]] result<bool> follow_roll();
  /// Decides a bad or incomplete tail under the shared lock: returns true if
  /// the caller should go on reading, false for "not yet".
  [[nodiscard]] result<bool> settle_tail(file_log_detail::scan_status seen);
  /// Whether the current segment is older than the newest one.
  [[nodiscard]] result<bool> in_rolled_segment();
  [[nodiscard]] error fail(error e);

  std::filesystem::path dir_;
  offset position_;
  std::optional<offset> segment_;
  file_log_detail::unique_fd fd_;
  std::optional<file_log_detail::segment_scanner> scanner_;
  offset newest_segment_;
  file_log_detail::unique_fd lock_fd_;

  // The batch being returned, in the scanner's buffer.
  file_log_detail::batch_view batch_;
  std::size_t record_pos_ = 0;   // byte position of its next record
  std::uint32_t records_left_ = 0;
  offset record_off_;            // offset of its next record

  std::optional<error> failed_;  // sticky: nothing is returned after corruption
};

} // namespace storemesh::events
