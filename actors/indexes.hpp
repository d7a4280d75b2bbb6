#pragma once
// Two small in-memory indexes the daemon rebuilds at start by scanning their
// topics, and keeps current as it writes:
//  - rejected_index: command id -> command offset of every rejected command, so
//    a redelivered command is recognised and a replayed one refused again;
//  - snapshot_index: entity -> where its latest snapshot is.
// Thread-safe.

#include "events/strong_types.hpp"

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <utility>
#include <string>
#include <string_view>
#include <unordered_map>

namespace storemesh::actors {

/// Whether a rejection with this code is the decision of the command's entity
/// on a command that really was the operator's. Only those claim the command's
/// id: an id seen on a forged, malformed or duplicate record proves nothing
/// (anyone can copy an id), so such rejections claim only their position.
[[nodiscard]] inline bool rejection_claims_id(std::string_view code) {
  for (std::string_view intake : {"malformed", "unknown_type", "unsigned_command", "malformed_signature",
                                  "unknown_key", "bad_signature", "bad_proof", "malformed_command", "unknown_kind", "bad_key",
                                  "duplicate", "unavailable"})
    if (code == intake)
      return false;
  return true;
}

class rejected_index {
public:
  /// `command_id` may be empty (a record too malformed to carry one).
  void add(const std::string& command_id, partition_id p, std::int64_t command_offset) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!command_id.empty())
      ids_.emplace(command_id, command_offset);
    at_.insert({p.value, command_offset});
  }
  /// Whether the command record at (p, offset) was already rejected: true for
  /// a redelivery after a restart, whatever the record holds.
  [[nodiscard]] bool rejected_at(partition_id p, std::int64_t command_offset) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return at_.count({p.value, command_offset}) != 0;
  }
  [[nodiscard]] std::optional<std::int64_t> find(const std::string& command_id) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = ids_.find(command_id);
    if (it == ids_.end())
      return std::nullopt;
    return it->second;
  }

private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::int64_t> ids_;
  std::set<std::pair<std::int32_t, std::int64_t>> at_;
};

/// entity -> offset of its first event in its events partition. Lets the
/// recovery of an entity start where its history starts, and skip the log
/// entirely for an entity that has none (its first command).
class entity_index {
public:
  void put_if_absent(const std::string& kind, const std::string& id, offset first) {
    std::lock_guard<std::mutex> lock(mutex_);
    first_[kind].emplace(id, first);
  }
  [[nodiscard]] std::optional<offset> first_event(const std::string& kind, const std::string& id) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto k = first_.find(kind);
    if (k == first_.end())
      return std::nullopt;
    auto it = k->second.find(id);
    if (it == k->second.end())
      return std::nullopt;
    return it->second;
  }
  /// f(id, first) for every entity of `kind` with history, under the lock:
  /// f must be short and must not call back into the index.
  template <class F>
  void visit(const std::string& kind, F&& f) const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto k = first_.find(kind); k != first_.end())
      for (const auto& [id, first] : k->second)
        f(id, first);
  }

private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::unordered_map<std::string, offset>> first_;  ///< kind -> id -> offset
};

struct snapshot_location {
  partition_id partition;
  offset at;
};

class snapshot_index {
public:
  void put(const std::string& kind, const std::string& id, snapshot_location where) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto [slot, fresh] = latest_[kind].emplace(id, where);
    if (!fresh && slot->second.at < where.at)
      slot->second = where;
  }
  [[nodiscard]] std::optional<snapshot_location> find(const std::string& kind, const std::string& id) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto k = latest_.find(kind);
    if (k == latest_.end())
      return std::nullopt;
    auto it = k->second.find(id);
    if (it == k->second.end())
      return std::nullopt;
    return it->second;
  }
  /// f(id, where) for every entity of `kind` with a snapshot, under the lock
  /// (as entity_index::visit).
  template <class F>
  void visit(const std::string& kind, F&& f) const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto k = latest_.find(kind); k != latest_.end())
      for (const auto& [id, where] : k->second)
        f(id, where);
  }

private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::unordered_map<std::string, snapshot_location>> latest_;  ///< kind -> id -> latest
};

} // namespace storemesh::actors
