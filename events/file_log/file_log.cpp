#include "events/file_log/file_log.hpp"

#include "events/file_log/file_log_reader.hpp"
#include "events/file_log/partition.hpp"
#include "events/file_log/posix_file.hpp"
#include "events/file_log/topic_dir.hpp"
#include "events/log_errc.hpp"

namespace storemesh::events {

using namespace file_log_detail;

file_log::file_log(file_log_options options) : options_(std::move(options)) {}

result<std::unique_ptr<file_log>> file_log::open(file_log_options options) {
  if (options.root.empty())
    return make_error(log_errc::io_error, "file_log_options.root is empty");
  if (options.segment_bytes == 0)
    return make_error(log_errc::io_error, "file_log_options.segment_bytes is 0");
  if (!options.read_only) {
    std::error_code ec;
    std::filesystem::create_directories(options.root, ec);
    if (ec)
      return io_failure(ec.value(), "mkdir", options.root);
  }
  std::unique_ptr<file_log> log(new file_log(std::move(options)));
  if (!log->options_.read_only)
    SM_TRYV(log->recover_all());
  if (log->options_.sync == fsync_policy::interval && !log->options_.read_only)
    log->syncer_ = std::thread([l = log.get()] { l->sync_loop(); });
  return log;
}

file_log::~file_log() {
  if (syncer_.joinable()) {
    {
      std::lock_guard g(stop_mu_);
      stop_ = true;
    }
    stop_cv_.notify_all();
    syncer_.join();
    sync_all();
  }
}

result<void> file_log::recover_all() {
  // Opening a partition recovers its tail: do it now for every partition, so
  // that the daemon starts from a clean log rather than on first use.
  auto names = list_topics(options_.root);
  if (!names)
    return names.error();
  for (const auto& name : names.value()) {
    auto count = partitions(name);
    if (!count)
      return count.error();
    for (std::int32_t p = 0; p < count.value(); ++p) {
      auto part = partition_of(name, partition_id{p});
      if (!part)
        return part.error();
    }
  }
  return success();
}

result<file_log::topic_state*> file_log::topic_locked(std::string_view topic) {
  SM_TRYV(validate_topic_name(topic));
  if (auto it = topics_.find(topic); it != topics_.end())
    return &it->second;
  // Not known here: another process may have created it.
  auto count = read_partition_count(options_.root / std::string(topic));
  if (!count)
    return count.error();
  auto& state = topics_[std::string(topic)];
  state.partition_count = count.value();
  state.partitions.resize(static_cast<std::size_t>(count.value()));
  return &state;
}

result<std::shared_ptr<partition>> file_log::partition_of(std::string_view topic, partition_id p) {
  std::lock_guard g(topics_mu_);
  auto state = topic_locked(topic);
  if (!state)
    return state.error();
  topic_state& t = *state.value();
  if (p.value < 0 || p.value >= t.partition_count)
    return make_error(log_errc::unknown_partition, std::string(topic) + "/" + std::to_string(p.value) + " (" +
                                                       std::to_string(t.partition_count) + " partitions)");
  auto& slot = t.partitions[static_cast<std::size_t>(p.value)];
  if (!slot) {
    auto opened = partition::open(partition_dir(options_.root / std::string(topic), p.value), options_);
    if (!opened)
      return opened.error();
    slot = std::move(opened.value());
  }
  return slot;
}

result<void> file_log::create_topic(std::string_view topic, std::int32_t partitions) {
  SM_TRYV(validate_topic_name(topic));
  if (options_.read_only)
    return make_error(log_errc::io_error, "create topic " + std::string(topic) + ": the log is open read-only");
  std::lock_guard g(topics_mu_);
  if (topics_.find(topic) != topics_.end())
    return success();
  auto count = create_topic_dir(options_.root, topic, partitions, options_.sync != fsync_policy::never);
  if (!count)
    return count.error();
  auto& state = topics_[std::string(topic)];
  state.partition_count = count.value();
  state.partitions.resize(static_cast<std::size_t>(count.value()));
  return success();
}

result<std::int32_t> file_log::partitions(std::string_view topic) {
  std::lock_guard g(topics_mu_);
  auto state = topic_locked(topic);
  if (!state)
    return state.error();
  return state.value()->partition_count;
}

result<offset> file_log::append(std::string_view topic, partition_id p, const std::vector<record>& batch) {
  auto part = partition_of(topic, p);
  if (!part)
    return part.error();
  return part.value()->append(batch);
}

result<offset> file_log::end_offset(std::string_view topic, partition_id p) {
  auto part = partition_of(topic, p);
  if (!part)
    return part.error();
  return part.value()->end_offset();
}

result<std::unique_ptr<log_reader>> file_log::read(std::string_view topic, partition_id p, offset from) {
  auto part = partition_of(topic, p);
  if (!part)
    return part.error();
  auto start = part.value()->locate(from);
  if (!start)
    return start.error();
  return std::unique_ptr<log_reader>(
      std::make_unique<file_log_reader>(part.value()->dir(), std::move(start.value())));
}

result<offset> file_log::wait_beyond(std::string_view topic, partition_id p, offset known,
                                     std::chrono::milliseconds timeout) {
  auto part = partition_of(topic, p);
  if (!part)
    return part.error();
  return part.value()->wait_beyond(known, timeout);
}

void file_log::sync_loop() {
  std::unique_lock lk(stop_mu_);
  while (!stop_) {
    stop_cv_.wait_for(lk, options_.sync_interval, [this] { return stop_; });
    if (stop_)
      break;
    lk.unlock();
    sync_all();
    lk.lock();
  }
}

void file_log::sync_all() {
  std::vector<std::shared_ptr<partition>> parts;
  {
    std::lock_guard g(topics_mu_);
    for (auto& [name, t] : topics_)
      for (auto& p : t.partitions)
        if (p)
          parts.push_back(p);
  }
  // A failure poisons the partition: its next append reports it.
  for (auto& p : parts)
    (void)p->sync_written();
}

} // namespace storemesh::events
