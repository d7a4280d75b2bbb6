#pragma once
// Which command offsets the daemon has read but not yet finished (outcome
// durable in the log). The low watermark is what the intake may commit: every
// command below it is done, so a restart resumes there and redelivers only
// commands whose outcome might be missing (entities recognise those by id).
// Thread-safe: the intake starts, entity actors complete.

#include "events/strong_types.hpp"

#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

namespace storemesh::actors {

class completion_tracker {
public:
  void start(partition_id p, offset o);
  void complete(partition_id p, offset o);
  /// The same for many (an entity's round): one lock, at most one wake-up.
  void complete_all(const std::vector<std::pair<partition_id, offset>>& done);
  /// The first offset not yet done, or `next_read` when nothing is in flight.
  [[nodiscard]] offset low_watermark(partition_id p, offset next_read) const;
  [[nodiscard]] std::size_t in_flight() const;
  /// Drops every open command of `p`: the partition is read again from its
  /// committed position (it moved, or this daemon's writes were fenced), and
  /// what was open will be redelivered. A late complete() is harmless.
  void forget(partition_id p);
  /// Blocks while more than `limit` commands are in flight (backpressure).
  void wait_below(std::size_t limit);

private:
  mutable std::mutex mutex_;
  std::condition_variable drained_;
  std::map<std::int32_t, std::set<std::int64_t>> open_;
  std::size_t count_ = 0;
  std::size_t waiters_ = 0;  ///< callers inside wait_below: completions wake only them
};

} // namespace storemesh::actors
