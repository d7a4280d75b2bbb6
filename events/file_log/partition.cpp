#include "events/file_log/partition.hpp"

#include "events/file_log/batch_format.hpp"
#include "events/file_log/partition_lock.hpp"
#include "events/file_log/segment_name.hpp"
#include "events/log_errc.hpp"

#include <fcntl.h>

#include <algorithm>
#include <atomic>

namespace storemesh::events::file_log_detail {

/// One open segment file and what this process wrote to it but has not yet
/// synced. Shared (shared_ptr) between the tail view and appenders still
/// syncing it, so a roll does not close a descriptor under an fdatasync.
struct partition::segment_file {
  unique_fd fd;
  std::filesystem::path path;
  offset base;
  std::atomic<std::uint64_t> written{0}; // end of this process's last write

  std::mutex sync_mu;
  std::uint64_t synced = 0; // sync_mu

  segment_file(unique_fd f, std::filesystem::path p, offset b) : fd(std::move(f)), path(std::move(p)), base(b) {}

  // Group commit: whoever gets sync_mu first syncs everything written so far;
  // the appenders queued behind find their bytes already covered.
  result<void> sync_through(std::uint64_t target) {
    std::lock_guard g(sync_mu);
    if (synced >= target)
      return success();
    const std::uint64_t covered = written.load(std::memory_order_acquire);
    SM_TRYV(datasync_file(fd.get(), path));
    synced = std::max(synced, covered);
    return success();
  }

  [[nodiscard]] bool unsynced() {
    std::lock_guard g(sync_mu);
    return synced < written.load(std::memory_order_acquire);
  }
};

partition::partition(std::filesystem::path dir, const file_log_options& opts)
    : dir_(std::move(dir)), lock_path_(dir_ / "lock"), segment_bytes_(opts.segment_bytes), sync_(opts.sync),
      read_only_(opts.read_only) {}

partition::~partition() {
  // Closing does not sync; under the interval policy the log syncs before
  // dropping its partitions.
}

result<std::shared_ptr<partition>> partition::open(std::filesystem::path dir, const file_log_options& opts) {
  std::shared_ptr<partition> p(new partition(std::move(dir), opts));
  if (!opts.read_only) {
    SM_TRYV(make_directory(p->dir_));
    auto lock_fd = open_file(p->lock_path_, O_RDWR | O_CREAT);
    if (!lock_fd)
      return lock_fd.error();
    p->lock_fd_ = std::move(lock_fd.value());
  }
  auto bases = list_segments(p->dir_);
  if (!bases)
    return bases.error();

  std::optional<partition_lock> lock; // lock order, as in append(): the file lock, then view_mu_
  if (!opts.read_only) {
    auto l = partition_lock::acquire(p->lock_fd_.get(), partition_lock::mode::exclusive, p->lock_path_);
    if (!l)
      return l.error();
    lock.emplace(std::move(l.value()));
  }
  std::lock_guard v(p->view_mu_);
  if (!bases.value().empty())
    SM_TRYV(p->open_segment(bases.value().back()));
  SM_TRYV(p->refresh(opts.read_only ? tail_mode::observe : tail_mode::repair));
  return p;
}

result<void> partition::install(unique_fd fd, offset base) {
  // Under the interval policy the background thread only syncs the active
  // segment: sync what this process left in the one we leave.
  if (active_ && sync_ == fsync_policy::interval && active_->unsynced())
    SM_TRYV(active_->sync_through(active_->written.load()));
  active_ = std::make_shared<segment_file>(std::move(fd), segment_path(dir_, base), base);
  valid_bytes_ = 0;
  end_ = base;
  seen_ = file_stamp{};
  return success();
}

result<void> partition::open_segment(offset base) {
  auto fd = open_file(segment_path(dir_, base), read_only_ ? O_RDONLY : O_RDWR);
  if (!fd)
    return fd.error();
  return install(std::move(fd.value()), base);
}

result<void> partition::roll() {
  const offset base = end_;
  const auto path = segment_path(dir_, base);
  auto fd = open_file(path, O_RDWR | O_CREAT);
  if (!fd)
    return fd.error();
  // The new name must be durable before any append in it is acknowledged.
  if (sync_ != fsync_policy::never)
    SM_TRYV(sync_directory(dir_));
  return install(std::move(fd.value()), base);
}

sparse_index& partition::index_of(offset segment_base) {
  return indexes_.try_emplace(segment_base.value, segment_base).first->second;
}

result<void> partition::refresh(tail_mode mode) {
  for (;;) {
    if (!active_) {
      auto first = file_exists(segment_path(dir_, end_));
      if (!first)
        return first.error();
      if (!first.value())
        return success();
      SM_TRYV(open_segment(end_));
      continue;
    }

    auto stamp = stamp_of(active_->fd.get(), active_->path);
    if (!stamp)
      return stamp.error();
    if (stamp.value().size < valid_bytes_) {
      // Bytes we had accepted are gone: a writable open applied the torn-tail
      // policy to a batch that went bad on disk. Start the segment over.
      std::lock_guard i(index_mu_);
      indexes_.erase(active_->base.value);
      valid_bytes_ = 0;
      end_ = active_->base;
    }
    // In observe mode a tail that did not change since the last look (a write
    // in progress, or a torn tail waiting for a writer) is not rescanned.
    const bool grown = stamp.value().size > valid_bytes_;
    if (grown && (mode == tail_mode::repair || stamp.value() != seen_)) {
      std::lock_guard i(index_mu_);
      auto cp = recover_tail(active_->fd.get(), active_->path, valid_bytes_, end_, mode, index_of(active_->base));
      if (!cp)
        return cp.error();
      valid_bytes_ = cp.value().valid_bytes;
      end_ = cp.value().end;
      seen_ = stamp.value();
    }

    // Has anybody rolled past the active segment? The next one is named by
    // our end offset; an empty active segment is its own "next".
    if (end_ != active_->base) {
      auto rolled = file_exists(segment_path(dir_, end_));
      if (!rolled)
        return rolled.error();
      if (rolled.value()) {
        SM_TRYV(open_segment(end_));
        continue;
      }
    }
    return success();
  }
}

result<offset> partition::append(const std::vector<record>& batch) {
  if (read_only_)
    return make_error(log_errc::io_error, "append to " + dir_.string() + ": the log is open read-only");
  std::unique_lock a(append_mu_);
  SM_TRYV(encode_batch(batch, scratch_));

  std::shared_ptr<segment_file> seg;
  std::uint64_t written_to = 0;
  offset base;
  {
    auto lock = partition_lock::acquire(lock_fd_.get(), partition_lock::mode::exclusive, lock_path_);
    if (!lock)
      return lock.error();
    std::lock_guard v(view_mu_);
    if (failed_)
      return error{failed_->code, "appends refused until the log is reopened, after: " + failed_->detail};
    SM_TRYV(refresh(tail_mode::repair));
    if (!active_ || (valid_bytes_ > 0 && valid_bytes_ + scratch_.size() > segment_bytes_))
      SM_TRYV(roll());

    base = end_;
    seal_batch(scratch_, base);
    if (auto w = pwrite_full(active_->fd.get(), scratch_.data(), scratch_.size(), valid_bytes_, active_->path); !w) {
      // A prefix of the batch may be on disk: cut it, so that no reader ever
      // waits on it as a write in progress.
      if (auto cut = truncate_file(active_->fd.get(), valid_bytes_, active_->path); !cut)
        failed_ = cut.error();
      return w.error();
    }
    {
      std::lock_guard i(index_mu_);
      index_of(active_->base).note(base, valid_bytes_);
    }
    valid_bytes_ += scratch_.size();
    end_ = offset{base.value + static_cast<std::int64_t>(batch.size())};
    active_->written.store(valid_bytes_, std::memory_order_release);
    seg = active_;
    written_to = valid_bytes_;
  } // the partition lock is released here: other processes may append while we sync
  a.unlock();
  grew_.notify_all();

  if (sync_ == fsync_policy::always) {
    if (auto s = seg->sync_through(written_to); !s) {
      std::lock_guard v(view_mu_);
      failed_ = s.error();
      return s.error();
    }
  }
  return base;
}

result<offset> partition::end_offset() {
  std::lock_guard v(view_mu_);
  SM_TRYV(refresh(tail_mode::observe));
  return end_;
}

result<offset> partition::wait_beyond(offset known, std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  // Appends of this process notify grew_; those of other processes are only
  // seen by looking at the file, so poll, backing off from 2 to 10 ms.
  auto backoff = std::chrono::milliseconds(2);
  std::unique_lock v(view_mu_);
  for (;;) {
    SM_TRYV(refresh(tail_mode::observe));
    const auto now = clock::now();
    if (end_ > known || now >= deadline)
      return end_;
    grew_.wait_for(v, std::min<clock::duration>(backoff, deadline - now));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(10));
  }
}

result<read_start> partition::locate(offset from) {
  auto end = end_offset();
  if (!end)
    return end.error();
  if (from.value < 0 || from > end.value())
    return make_error(log_errc::offset_out_of_range, "offset " + std::to_string(from.value) + " in " +
                                                         dir_.string() + " (end offset " +
                                                         std::to_string(end.value().value) + ")");
  auto bases = list_segments(dir_);
  if (!bases)
    return bases.error();

  read_start start;
  start.from = from;
  if (bases.value().empty()) {
    start.newest_segment = from;
    return start;
  }
  start.newest_segment = bases.value().back();
  auto it = std::upper_bound(bases.value().begin(), bases.value().end(), from);
  if (it == bases.value().begin())
    return make_error(log_errc::offset_out_of_range,
                      "offset " + std::to_string(from.value) + " precedes the first segment of " + dir_.string());
  const offset seg_base = *--it;
  start.segment = seg_base;

  const auto path = segment_path(dir_, seg_base);
  auto fd = open_file(path, O_RDONLY);
  if (!fd)
    return fd.error();
  start.fd = std::move(fd.value());
  sparse_index::entry hint;
  {
    std::lock_guard i(index_mu_);
    hint = index_of(seg_base).floor(from);
  }

  // Scan forward to the batch holding `from`, noting what we pass in the
  // index so that the next reader starting near here skips the scan.
  auto& scanner = start.scanner.emplace(start.fd.get(), path, hint.pos, hint.base);
  for (;;) {
    auto step = scanner.next();
    if (!step)
      return step.error();
    if (step.value().status != scan_status::batch)
      return start; // the reader meets (and reports, or waits on) whatever stopped us
    const auto& b = step.value().batch;
    {
      std::lock_guard i(index_mu_);
      index_of(seg_base).note(offset{b.header.base_offset}, b.file_pos);
    }
    if (from.value < b.header.base_offset + static_cast<std::int64_t>(b.header.record_count)) {
      scanner.rewind_to(b);
      return start;
    }
  }
}

result<void> partition::sync_written() {
  std::shared_ptr<segment_file> seg;
  {
    std::lock_guard v(view_mu_);
    seg = active_;
  }
  if (!seg)
    return success();
  if (auto s = seg->sync_through(seg->written.load(std::memory_order_acquire)); !s) {
    std::lock_guard v(view_mu_);
    failed_ = s.error();
    return s.error();
  }
  return success();
}

} // namespace storemesh::events::file_log_detail
