#pragma once
// Walks the batches of one segment file forward, verifying each one (framing,
// CRC32C, record layout, offset continuity) before handing it out. The single
// reader of segment bytes: recovery, tail refresh, seeking and log readers all
// scan with it, so they all agree on what a valid batch is.
//
// It reads with pread into its own 8-aligned buffer (a window of the file,
// always starting at a batch boundary) and hands out views into that buffer.
// A view stays valid until the next call that may read (may_read = true).
//
// Not thread-safe; borrows the file descriptor.

#include "events/error.hpp"
#include "events/file_log/aligned_buffer.hpp"
#include "events/file_log/batch_format.hpp"
#include "events/strong_types.hpp"

#include <cstdint>
#include <filesystem>
#include <string>

namespace storemesh::events::file_log_detail {

/// A verified batch inside the scanner's buffer.
struct batch_view {
  const std::byte* data = nullptr;
  batch_header header;
  std::uint64_t file_pos = 0;
};

enum class scan_status {
  /// `batch` holds the next verified batch; the scanner moved past it.
  batch,
  /// The file ends exactly at position(): nothing more, for now.
  end_of_data,
  /// The file ends inside a batch (a partial header, or fewer bytes than the
  /// header's length): a write in progress, or a torn write.
  incomplete,
  /// Complete bytes that are not a batch: bad magic, impossible length, or a
  /// CRC mismatch. A torn write at the tail; corruption anywhere else.
  torn,
  /// The CRC matches but the content is wrong (records do not tile the batch,
  /// the base offset is not the expected one). No torn write produces this.
  inconsistent,
  /// The next batch is not in the buffer and may_read was false.
  window_exhausted,
};

struct scan_step {
  scan_status status = scan_status::end_of_data;
  batch_view batch;
  std::string why; // for torn/inconsistent: what is wrong, for the error detail
};

class segment_scanner {
public:
  static constexpr std::size_t default_buffer_bytes = std::size_t{1} << 20;

  /// Scans `fd` from file position `pos`, a batch boundary, where the record
  /// with offset `next` starts.
  segment_scanner(int fd, std::filesystem::path file, std::uint64_t pos, offset next,
                  std::size_t buffer_bytes = default_buffer_bytes);

  /// Points the scanner at another file (or position), keeping its buffer.
  void rebind(int fd, std::filesystem::path file, std::uint64_t pos, offset next);

  /// The next batch, or why there is none. Only I/O failures are errors; a
  /// status other than `batch` leaves position() where it was.
  [[nodiscard]] result<scan_step> next(bool may_read = true);

  /// Steps back to a batch this scanner just returned, so that the next call
  /// returns it again (from the buffer, without reading the file).
  void rewind_to(const batch_view& b) {
    pos_ = b.file_pos;
    next_ = offset{b.header.base_offset};
  }

  /// Drops the buffered bytes, so that the next call reads the file again:
  /// after "incomplete" or "torn", the tail may change under us.
  void forget_window() { window_len_ = 0; }

  [[nodiscard]] std::uint64_t position() const { return pos_; }
  [[nodiscard]] offset next_offset() const { return next_; }
  [[nodiscard]] const std::filesystem::path& file() const { return file_; }

private:
  [[nodiscard]] result<scan_step> fill_and_decode(std::size_t need);
  [[nodiscard]] scan_step verify(const std::byte* at, const batch_header& h);

  int fd_;
  std::filesystem::path file_;
  std::uint64_t pos_;
  offset next_;
  std::size_t min_read_;
  aligned_buffer buf_;
  std::uint64_t window_pos_ = 0; // file position of buf_[0]
  std::size_t window_len_ = 0;   // valid bytes in buf_
};

} // namespace storemesh::events::file_log_detail
