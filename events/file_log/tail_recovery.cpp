#include "events/file_log/tail_recovery.hpp"

#include "events/file_log/posix_file.hpp"
#include "events/file_log/segment_scanner.hpp"
#include "events/log_errc.hpp"

namespace storemesh::events::file_log_detail {

result<tail_checkpoint> recover_tail(int fd, const std::filesystem::path& file, std::uint64_t pos, offset next,
                                     tail_mode mode, sparse_index& index) {
  // A small first buffer: after open, what is scanned here is usually the
  // few batches another process appended since we last looked.
  segment_scanner scanner(fd, file, pos, next, 64 * 1024);
  scan_step step;
  for (;;) {
    auto s = scanner.next();
    if (!s)
      return s.error();
    step = std::move(s.value());
    if (step.status != scan_status::batch)
      break;
    index.note(offset{step.batch.header.base_offset}, step.batch.file_pos);
  }

  tail_checkpoint cp;
  cp.end = scanner.next_offset();
  cp.valid_bytes = scanner.position();
  if (step.status == scan_status::inconsistent)
    return make_error(log_errc::corrupt_record,
                      file.string() + " at byte " + std::to_string(cp.valid_bytes) + ": " + step.why);

  auto stamp = stamp_of(fd, file);
  if (!stamp)
    return stamp.error();
  cp.file_bytes = stamp.value().size;
  if (cp.file_bytes > cp.valid_bytes) {
    cp.torn = true;
    cp.why = step.status == scan_status::incomplete ? "incomplete batch" : step.why;
    if (mode == tail_mode::repair)
      SM_TRYV(truncate_file(fd, cp.valid_bytes, file));
  }
  return cp;
}

} // namespace storemesh::events::file_log_detail
