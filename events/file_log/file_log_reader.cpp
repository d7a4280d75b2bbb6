#include "events/file_log/file_log_reader.hpp"

#include "events/file_log/batch_format.hpp"
#include "events/file_log/partition_lock.hpp"
#include "events/file_log/segment_name.hpp"
#include "events/log_errc.hpp"

#include <fcntl.h>

#include <algorithm>

namespace storemesh::events {

using namespace file_log_detail;

file_log_reader::file_log_reader(std::filesystem::path partition_dir, read_start start)
    : dir_(std::move(partition_dir)), position_(start.from), segment_(start.segment), fd_(std::move(start.fd)),
      scanner_(std::move(start.scanner)), newest_segment_(start.newest_segment) {}

result<std::size_t> file_log_reader::poll(std::vector<record_view>& out, std::size_t max_bytes) {
  if (failed_)
    return *failed_;
  std::size_t count = 0;
  std::size_t bytes = 0;
  for (;;) {
    if (records_left_ > 0 && !emit(out, max_bytes, count, bytes))
      return count;
    if (!scanner_) { // the partition had no segment yet
      auto moved = follow_roll();
      if (!moved)
        return moved.error();
      if (!moved.value())
        return count;
      continue;
    }
    // Once records were handed out, the buffer they point into must not be
    // overwritten: only read the file while nothing was returned yet.
    auto step = scanner_->next(count == 0);
    if (!step)
      return step.error();
    switch (step.value().status) {
      case scan_status::batch:
        batch_ = step.value().batch;
        record_pos_ = batch_header_bytes;
        records_left_ = batch_.header.record_count;
        record_off_ = offset{batch_.header.base_offset};
        continue;
      case scan_status::window_exhausted:
        return count;
      case scan_status::end_of_data: {
        auto moved = follow_roll();
        if (!moved)
          return moved.error();
        if (!moved.value())
          return count;
        continue;
      }
      case scan_status::incomplete:
      case scan_status::torn:
      case scan_status::inconsistent: {
        if (count > 0)
          return count; // settle it on the next poll, when the buffer is free
        auto go_on = settle_tail(step.value().status);
        if (!go_on)
          return go_on.error();
        if (!go_on.value())
          return count;
        continue;
      }
    }
  }
}

bool file_log_reader::emit(std::vector<record_view>& out, std::size_t max_bytes, std::size_t& count,
                           std::size_t& bytes) {
  while (records_left_ > 0) {
    if (count > 0 && bytes >= max_bytes)
      return false;
    const auto r = decode_record(batch_.data, record_pos_);
    --records_left_;
    const offset off = record_off_;
    record_off_ = offset{off.value + 1};
    if (off < position_)
      continue; // before the offset the reader was asked to start from
    out.push_back(record_view{off, r.timestamp_ns, r.key, r.value});
    position_ = record_off_;
    ++count;
    bytes += r.key.size() + r.value.size();
  }
  return true;
}

result<bool> file_log_reader::follow_roll() {
  const offset next = scanner_ ? scanner_->next_offset() : position_;
  if (segment_ && next == *segment_)
    return false; // an empty segment is its own successor's name: nothing new
  const auto path = segment_path(dir_, next);
  auto fd = open_if_exists(path, O_RDONLY);
  if (!fd)
    return fd.error();
  if (!fd.value()) {
    // A segment older than one we saw listed is final: its successor must
    // exist, or the log has lost a segment.
    if (segment_ && *segment_ < newest_segment_)
      return fail(make_error(log_errc::corrupt_record,
                             "segment " + path.string() + " is missing (the log continues at offset " +
                                 std::to_string(newest_segment_.value) + ")"));
    return false;
  }
  fd_ = std::move(fd.value());
  segment_ = next;
  if (scanner_)
    scanner_->rebind(fd_.get(), path, 0, next);
  else
    scanner_.emplace(fd_.get(), path, 0, next);
  return true;
}

result<bool> file_log_reader::settle_tail(scan_status seen) {
  // Nobody writes to a rolled segment any more: nothing there is "in
  // progress".
  auto rolled = in_rolled_segment();
  if (!rolled)
    return rolled.error();
  if (seen == scan_status::incomplete && !rolled.value()) {
    scanner_->forget_window();
    return false; // not yet: a write in progress, or a torn tail a writer will cut
  }

  // Look again while no appender can be mid-write.
  if (!lock_fd_) {
    auto fd = open_if_exists(dir_ / "lock", O_RDONLY);
    if (!fd)
      return fd.error();
    lock_fd_ = std::move(fd.value()); // absent: no writer ever ran, no lock needed
  }
  std::optional<partition_lock> shared;
  if (lock_fd_) {
    auto l = partition_lock::acquire(lock_fd_.get(), partition_lock::mode::shared, dir_ / "lock");
    if (!l)
      return l.error();
    shared.emplace(std::move(l.value()));
  }
  scanner_->forget_window();
  auto step = scanner_->next();
  if (!step)
    return step.error();
  const auto where = [&] {
    return scanner_->file().string() + " at byte " + std::to_string(scanner_->position()) + " (offset " +
           std::to_string(scanner_->next_offset().value) + ")";
  };
  switch (step.value().status) {
    case scan_status::batch:
      batch_ = step.value().batch;
      record_pos_ = batch_header_bytes;
      records_left_ = batch_.header.record_count;
      record_off_ = offset{batch_.header.base_offset};
      return true;
    case scan_status::end_of_data: // a writer cut a torn tail meanwhile
      return true;
    case scan_status::incomplete:
      if (rolled.value())
        return fail(make_error(log_errc::corrupt_record, where() + ": incomplete batch in a rolled segment"));
      scanner_->forget_window();
      return false;
    case scan_status::torn:
    case scan_status::inconsistent:
      return fail(make_error(log_errc::corrupt_record, where() + ": " + step.value().why));
    case scan_status::window_exhausted:
      break;
  }
  return false;
}

result<bool> file_log_reader::in_rolled_segment() {
  if (*segment_ < newest_segment_)
    return true;
  // Segments may have been rolled since we looked: look again. Only on a bad
  // or incomplete batch, so a caught-up reader never lists the directory.
  auto bases = list_segments(dir_);
  if (!bases)
    return bases.error();
  if (!bases.value().empty())
    newest_segment_ = std::max(newest_segment_, bases.value().back());
  return *segment_ < newest_segment_;
}

error file_log_reader::fail(error e) {
  failed_ = e;
  return e;
}

} // namespace storemesh::events
