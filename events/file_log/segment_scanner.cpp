#include "events/file_log/segment_scanner.hpp"

#include "events/file_log/posix_file.hpp"

#include <algorithm>
#include <utility>

namespace storemesh::events::file_log_detail {
namespace {

scan_step no_batch(scan_status status, std::string why = {}) {
  scan_step step;
  step.status = status;
  step.why = std::move(why);
  return step;
}

} // namespace

segment_scanner::segment_scanner(int fd, std::filesystem::path file, std::uint64_t pos, offset next,
                                 std::size_t buffer_bytes)
    : fd_(fd), file_(std::move(file)), pos_(pos), next_(next), min_read_(buffer_bytes), buf_(buffer_bytes) {}

void segment_scanner::rebind(int fd, std::filesystem::path file, std::uint64_t pos, offset next) {
  fd_ = fd;
  file_ = std::move(file);
  pos_ = pos;
  next_ = next;
  window_len_ = 0;
}

result<scan_step> segment_scanner::next(bool may_read) {
  const bool in_window = pos_ >= window_pos_ && pos_ - window_pos_ <= window_len_;
  const std::size_t avail = in_window ? window_len_ - static_cast<std::size_t>(pos_ - window_pos_) : 0;
  if (avail < batch_header_bytes)
    return may_read ? fill_and_decode(batch_header_bytes) : result<scan_step>(no_batch(scan_status::window_exhausted));
  const std::byte* at = buf_.data() + (pos_ - window_pos_);
  const batch_header h = read_header(at);
  if (!plausible_framing(h))
    return no_batch(scan_status::torn, "no batch header (bad magic or length)");
  if (avail < h.length)
    return may_read ? fill_and_decode(h.length) : result<scan_step>(no_batch(scan_status::window_exhausted));
  return verify(at, h);
}

result<scan_step> segment_scanner::fill_and_decode(std::size_t need) {
  // Read a whole buffer, not just `need`: the next batches usually follow.
  buf_.grow_to(std::max(need, min_read_));
  auto n = pread_full(fd_, buf_.data(), buf_.size(), pos_, file_);
  if (!n)
    return n.error();
  window_pos_ = pos_;
  window_len_ = n.value();
  if (window_len_ == 0)
    return no_batch(scan_status::end_of_data);
  if (window_len_ < batch_header_bytes)
    return no_batch(scan_status::incomplete);
  const batch_header h = read_header(buf_.data());
  if (!plausible_framing(h))
    return no_batch(scan_status::torn, "no batch header (bad magic or length)");
  if (window_len_ < h.length) {
    if (h.length <= buf_.size())
      return no_batch(scan_status::incomplete);
    // The batch is larger than the buffer: grow and read again.
    return fill_and_decode(h.length);
  }
  return verify(buf_.data(), h);
}

scan_step segment_scanner::verify(const std::byte* at, const batch_header& h) {
  if (crc32c(at + crc_covered_from, h.length - crc_covered_from) != h.crc)
    return no_batch(scan_status::torn, "CRC32C mismatch");
  if (auto why = check_records(at, h); !why.empty())
    return no_batch(scan_status::inconsistent, std::string(why));
  if (h.base_offset != next_.value)
    return no_batch(scan_status::inconsistent,
                    "batch base offset " + std::to_string(h.base_offset) + ", expected " +
                        std::to_string(next_.value));
  scan_step step;
  step.status = scan_status::batch;
  step.batch = batch_view{at, h, pos_};
  pos_ += h.length;
  next_ = offset{next_.value + h.record_count};
  return step;
}

} // namespace storemesh::events::file_log_detail
