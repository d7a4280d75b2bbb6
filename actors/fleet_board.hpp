#pragma once
// The daemon's fleet view (services/fleet): written for host and copy-job
// actors on the log writer's thread as soon as their events are durable
// (entity_actor::publication_of_batch) and by the fleet feed (which follows
// every daemon's events), read by deciders and reactions as an
// immutable snapshot, so a reader never holds a lock while it decides.
// Writes edit in place (every host event publishes: a copy per write would
// cost O(hosts) on the command path); a snapshot is copied only when read
// after a change.

#include "services/fleet/fleet.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace storemesh::actors {

class fleet_board {
public:
  [[nodiscard]] std::shared_ptr<const services::fleet::view> view() const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!snapshot_)
      snapshot_ = std::make_shared<const services::fleet::view>(current_);
    return snapshot_;
  }

  /// f(services::fleet::view&) edits the view; snapshots already handed out
  /// keep what they saw.
  template <class F>
  void update(F&& f) {
    std::lock_guard<std::mutex> lock(mutex_);
    f(current_);
    snapshot_.reset();
  }

  /// update() on behalf of one entity at its sequence `seq`: skipped when the
  /// board already has that entity at `seq` or later. The entity's own actor
  /// and the fleet feed (which follows every daemon's events, later) both
  /// publish; neither may set an entity back.
  template <class F>
  void update_entity(const std::string& key, std::uint64_t seq, F&& f) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& known = seqs_[key];
    if (seq <= known)
      return;
    known = seq;
    f(current_);
    snapshot_.reset();
  }

private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::uint64_t> seqs_;
  services::fleet::view current_;
  mutable std::shared_ptr<const services::fleet::view> snapshot_;
};

} // namespace storemesh::actors
