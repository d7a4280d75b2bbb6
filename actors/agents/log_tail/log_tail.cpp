#include "actors/agents/log_tail/log_tail.hpp"

#include "actors/daemon.hpp"


#include <spdlog/spdlog.h>

namespace storemesh::agents {

using actors::create_topics;
using actors::topics;
using events::envelope::decoded_envelope;

log_tail::log_tail(std::unique_ptr<events::event_log> log, topics names, std::vector<source> sources, handlers h,
                   std::string who)
    : log_(std::move(log)), names_(std::move(names)), sources_(std::move(sources)), handlers_(std::move(h)),
      who_(std::move(who)) {}

log_tail::~log_tail() { stop(); }

void log_tail::start() {
  stop_ = false;
  thread_ = std::thread([this] { run(); });
}

void log_tail::stop() {
  stop_ = true;
  if (thread_.joinable())
    thread_.join();
}

std::uint64_t log_tail::version() const {
  std::lock_guard lock(mutex_);
  return version_;
}

void log_tail::bump() {
  {
    std::lock_guard lock(mutex_);
    ++version_;
  }
  changed_.notify_all();
}

std::uint64_t log_tail::wait_beyond(std::uint64_t known, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return version_ > known; });
  return version_;
}

bool log_tail::wait_caught_up(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return caught_up_once_.load(); });
  return caught_up_once_;
}

void log_tail::run() {
  while (!stop_) {
    auto r = follow();
    if (stop_)
      break;
    if (!r)
      spdlog::warn("{}: reading the log: {} (reading again from the start)", who_, r.error().message());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

result<void> log_tail::follow() {
  SM_TRYV(create_topics(*log_, names_, 2));
  struct reading {
    std::string topic;
    partition_id partition;
    std::unique_ptr<events::log_reader> reader;
    offset end_at_start;
  };
  std::vector<reading> readings;
  auto add = [&](const std::string& topic, partition_id p) -> result<void> {
    for (const auto& s : readings)
      if (s.topic == topic && s.partition == p)
        return success();
    SM_TRY(auto reader, log_->read(topic, p, offset{0}));
    SM_TRY(auto end, log_->end_offset(topic, p));
    readings.push_back(reading{topic, p, std::move(reader), end});
    return success();
  };
  for (const auto& s : sources_) {
    SM_TRY(auto partitions, log_->partitions(s.topic));
    if (s.key)
      SM_TRYV(add(s.topic, events::partition_for(*s.key, partitions)));
    else
      for (std::int32_t i = 0; i < partitions; ++i)
        SM_TRYV(add(s.topic, partition_id{i}));
  }
  handlers_.reset();
  bump();

  std::vector<events::record_view> batch;
  decoded_envelope slot;
  while (!stop_) {
    std::size_t read = 0;
    bool caught_up = true;
    for (auto& s : readings) {
      batch.clear();
      SM_TRY(auto n, s.reader->poll(batch));
      read += n;
      for (const auto& r : batch)
        if (decoded_envelope::decode_into(r.value, slot))
          handlers_.fold(slot, r);
      if (s.reader->position() < s.end_at_start)
        caught_up = false;
    }
    if (caught_up && !caught_up_once_) {
      caught_up_once_ = true;
      bump();
    }
    if (read > 0) {
      bump();
      continue;
    }
    // Idle: wait on the first source (where its owner expects news first),
    // in short slices so that a nudge (a new waiter, whose news may come on
    // another source) ends the wait; then look at every source again.
    const auto& first = readings.front();
    const auto until = std::chrono::steady_clock::now() + handlers_.idle_wait();
    while (!stop_ && !nudged_.exchange(false)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        break;
      SM_TRY(auto end, log_->wait_beyond(first.topic, first.partition, first.reader->position(),
                                         std::min(left, std::chrono::milliseconds(5))));
      if (end > first.reader->position())
        break;
    }
  }
  return success();
}

} // namespace storemesh::agents
