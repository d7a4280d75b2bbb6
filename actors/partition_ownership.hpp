#pragma once
// Which command partitions this daemon owns right now, for the threads that
// act per partition besides the intake (the reaction feed), and for entity
// actors, which decide nothing for a partition that has moved. Written by the
// intake as the group assigns and revokes; the generation tells a reader that
// the set changed since it last looked. Thread-safe.

#include "events/strong_types.hpp"

#include <cstdint>
#include <mutex>
#include <set>

namespace storemesh::actors {

class partition_ownership {
public:
  void add(partition_id p) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (owned_.insert(p.value).second)
      ++generation_;
  }
  void remove(partition_id p) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (owned_.erase(p.value) != 0)
      ++generation_;
  }
  [[nodiscard]] std::uint64_t generation() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return generation_;
  }
  [[nodiscard]] bool owns(partition_id p) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return owned_.count(p.value) != 0;
  }
  [[nodiscard]] std::set<std::int32_t> owned() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return owned_;
  }

private:
  mutable std::mutex mutex_;
  std::set<std::int32_t> owned_;
  std::uint64_t generation_ = 0;
};

} // namespace storemesh::actors
