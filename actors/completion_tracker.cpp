#include "actors/completion_tracker.hpp"

#include <chrono>

namespace storemesh::actors {

void completion_tracker::start(partition_id p, offset o) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (open_[p.value].insert(o.value).second)
    ++count_;
}

void completion_tracker::complete(partition_id p, offset o) { complete_all({{p, o}}); }

void completion_tracker::complete_all(const std::vector<std::pair<partition_id, offset>>& done) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [p, o] : done) {
      auto it = open_.find(p.value);
      if (it != open_.end() && it->second.erase(o.value) != 0)
        --count_;
    }
    // A wake-up per command was a futex call per command on the entity
    // actors' threads, most of them for nobody.
    wake = waiters_ > 0;
  }
  if (wake)
    drained_.notify_all();
}

offset completion_tracker::low_watermark(partition_id p, offset next_read) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = open_.find(p.value);
  if (it == open_.end() || it->second.empty())
    return next_read;
  return offset{*it->second.begin()};
}

void completion_tracker::forget(partition_id p) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = open_.find(p.value);
    if (it == open_.end())
      return;
    count_ -= it->second.size();
    open_.erase(it);
  }
  drained_.notify_all();
}

std::size_t completion_tracker::in_flight() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return count_;
}

void completion_tracker::wait_below(std::size_t limit) {
  std::unique_lock<std::mutex> lock(mutex_);
  ++waiters_;
  drained_.wait_for(lock, std::chrono::seconds(1), [&] { return count_ < limit; });
  --waiters_;
}

} // namespace storemesh::actors
