#pragma once
// The command ids an entity has decided, kept for idempotency within a
// window: an id decided longer than `window` before the entity's newest
// decision is forgotten, and a command signed longer ago than that is refused
// as expired. Forgetting therefore never lets a replay through, and neither
// the actor's memory nor its snapshots grow with the entity's history.
//
// The window is also bounded by count: an entity deciding many commands (a
// busy keyspace, a long copy's progress reports) keeps only its newest
// `max_ids` ids, and `floor_ns` remembers the decision time of the newest id
// forgotten that way: a command signed at or before it is refused as expired
// too (its id may be among the forgotten). Without the bound a snapshot, which
// carries the ids, outgrows a record (Kafka's 1 MiB) within minutes at a few
// hundred commands a second. The floor travels in snapshots, so a recovered
// entity refuses exactly what the live one refused.
//
// An id's time is its decision's, which is never before the command's own
// timestamp (entity_core.hpp): a forgotten id's command is then always at or
// before the window's edge or the floor, and refused. With the daemon's bare
// clock instead, a daemon running behind the command's issuer forgot ids
// whose commands were still inside the window: a replay of one was decided
// again (the simulator found it: clock skew plus pruning by count).

#include <chrono>
#include <cstdint>
#include <string>
#include <algorithm>
#include <unordered_map>
#include <vector>

namespace storemesh::actors {

struct processed_commands {
  struct entry {
    std::int64_t offset = -1;     ///< the command's offset in its commands partition
    std::int64_t decided_ns = 0;  ///< when it was decided (its events' timestamp)
  };
  std::unordered_map<std::string, entry> ids;
  std::int64_t newest_ns = 0;
  std::int64_t floor_ns = 0;  ///< ids decided at or before this were forgotten by count

  [[nodiscard]] const entry* find(const std::string& id) const {
    auto it = ids.find(id);
    return it == ids.end() ? nullptr : &it->second;
  }
  void add(const std::string& id, std::int64_t offset, std::int64_t decided_ns) {
    ids[id] = entry{offset, decided_ns};
    if (decided_ns > newest_ns)
      newest_ns = decided_ns;
  }
  /// Forgets ids added since newest_ns was `newest_before` (decisions that
  /// never reached the log).
  void take_back(const std::vector<std::string>& added, std::int64_t newest_before) {
    for (const auto& id : added)
      ids.erase(id);
    newest_ns = newest_before;
  }
  /// A command signed before the window that ids still cover.
  [[nodiscard]] bool expired(std::int64_t command_ns, std::chrono::nanoseconds window) const {
    return (newest_ns > 0 && command_ns < newest_ns - window.count()) || (floor_ns > 0 && command_ns <= floor_ns);
  }
  /// Forgets the ids decided before the window, then the oldest beyond max_ids.
  void prune(std::chrono::nanoseconds window, std::size_t max_ids) {
    for (auto it = ids.begin(); it != ids.end();)
      it = it->second.decided_ns < newest_ns - window.count() ? ids.erase(it) : std::next(it);
    if (ids.size() <= max_ids)
      return;
    std::vector<std::int64_t> times;
    times.reserve(ids.size());
    for (const auto& [id, e] : ids)
      times.push_back(e.decided_ns);
    // Everything decided at or before the cut goes (ties go together, so the
    // floor never splits ids decided at the same instant).
    std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(ids.size() - max_ids - 1), times.end());
    const auto cut = times[ids.size() - max_ids - 1];
    for (auto it = ids.begin(); it != ids.end();)
      it = it->second.decided_ns <= cut ? ids.erase(it) : std::next(it);
    floor_ns = std::max(floor_ns, cut);
  }
  [[nodiscard]] std::size_t size() const { return ids.size(); }
};

} // namespace storemesh::actors
