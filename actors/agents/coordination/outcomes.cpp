#include "actors/agents/coordination/outcomes.hpp"

namespace storemesh::actors::coordination {

void outcomes::record(const std::string& command_id, outcome o) {
  {
    std::lock_guard lock(mutex_);
    auto [it, fresh] = by_id_.try_emplace(command_id, std::move(o));
    (void)it;
    if (fresh) {
      order_.push_back(command_id);
      while (order_.size() > capacity_) {
        by_id_.erase(order_.front());
        order_.pop_front();
      }
    }
  }
  changed_.notify_all();
}

std::optional<outcome> outcomes::wait(const std::string& command_id, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  std::optional<outcome> found;
  changed_.wait_for(lock, timeout, [&] {
    auto it = by_id_.find(command_id);
    if (it == by_id_.end())
      return false;
    found = it->second;
    return true;
  });
  return found;
}

std::optional<outcome> outcomes::find(const std::string& command_id) const {
  std::lock_guard lock(mutex_);
  auto it = by_id_.find(command_id);
  if (it == by_id_.end())
    return std::nullopt;
  return it->second;
}

} // namespace storemesh::actors::coordination
