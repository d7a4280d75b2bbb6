#pragma once
// The command ids an entity has decided, kept for idempotency within a
// window: an id decided longer than `window` before the entity's newest
// decision is forgotten, and a command signed longer ago than that is refused
// as expired. Forgetting therefore never lets a replay through, and neither
// the actor's memory nor its snapshots grow with the entity's history.

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace storemesh::actors {

struct processed_commands {
  struct entry {
    std::int64_t offset = -1;     ///< the command's offset in its commands partition
    std::int64_t decided_ns = 0;  ///< when it was decided (its events' timestamp)
  };
  std::unordered_map<std::string, entry> ids;
  std::int64_t newest_ns = 0;

  [[nodiscard]] const entry* find(const std::string& id) const {
    auto it = ids.find(id);
    return it == ids.end() ? nullptr : &it->second;
  }
  void add(const std::string& id, std::int64_t offset, std::int64_t decided_ns) {
    ids[id] = entry{offset, decided_ns};
    if (decided_ns > newest_ns)
      newest_ns = decided_ns;
  }
  /// A command signed before the window that ids still cover.
  [[nodiscard]] bool expired(std::int64_t command_ns, std::chrono::nanoseconds window) const {
    return newest_ns > 0 && command_ns < newest_ns - window.count();
  }
  /// Forgets the ids decided before the window.
  void prune(std::chrono::nanoseconds window) {
    for (auto it = ids.begin(); it != ids.end();)
      it = it->second.decided_ns < newest_ns - window.count() ? ids.erase(it) : std::next(it);
  }
  [[nodiscard]] std::size_t size() const { return ids.size(); }
};

} // namespace storemesh::actors
