#include "actors/local_group.hpp"

namespace storemesh::actors {

result<void> local_group::poll(listener& l, std::chrono::milliseconds) {
  // Nothing ever changes after the first assignment, so there is nothing to
  // wait for: the caller waits on the log instead.
  if (joined_)
    return success();
  joined_ = true;
  std::vector<partition_id> all;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::int32_t i = 0; i < partitions_; ++i) {
      all.push_back(partition_id{i});
      tenure_[i] = ownership_epoch{++epochs_};
    }
  }
  l.assigned(all);
  return success();
}

std::optional<ownership_epoch> local_group::epoch(partition_id p) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = tenure_.find(p.value);
  if (it == tenure_.end())
    return std::nullopt;
  return it->second;
}

std::optional<ownership_epoch> local_group::renew(partition_id p) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = tenure_.find(p.value);
  if (it == tenure_.end())
    return std::nullopt;
  it->second = ownership_epoch{++epochs_};
  return it->second;
}

result<offset> local_group::committed(const std::string& topic, partition_id p) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto [it, fresh] = last_.try_emplace({topic, p.value});
  if (fresh)
    it->second = store_.committed(topic, p);
  return it->second;
}

result<void> local_group::commit(const std::string& topic, const positions& next) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [p, o] : next) {
    auto it = last_.find({topic, p.value});
    if (it != last_.end() && it->second == o)
      continue;
    SM_TRYV(store_.commit(topic, p, o));
    last_[{topic, p.value}] = o;
  }
  return success();
}

} // namespace storemesh::actors
