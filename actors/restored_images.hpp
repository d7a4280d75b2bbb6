#pragma once
// The images a takeover restored (partition_restore.hpp, partition_takeover.hpp),
// waiting for their entities' actors. Each is handed out once, to the first
// actor of its entity under the tenure it was restored for, and forgotten:
// from then on that actor's own image is newer than the restored one, so a
// later actor of the entity (after passivation) recovers alone.
//
//   (none) --begin(p, t)--> restoring --finish(p, t)--> ready --expire / clear--> (none)
//
// claim(key, p, t, give):
//   a set of (p, t) restoring:  give waits for finish (the actor's commands
//                               wait with it: nothing is decided on an image
//                               the restore has not finished)
//   a set of (p, t) ready:      give(its image), or give(nullptr) when the
//                               entity is not in it
//   anything else:              give(nullptr): no set, or one of another
//                               tenure -- an image restored under one tenure
//                               is never used under another
// give(nullptr) means "recover on your own" (recover_entity). give runs
// outside the lock, on the claimer's thread or on the one that finishes.
//
// Bounds. A set holds what has not been claimed yet: it shrinks with every
// claim, and goes whole when its tenure ends (expire(group): the partition
// moved, was lost or renewed) or `hold` after it was ready, whichever comes
// first. An entity that gets no command within `hold` of the takeover is not
// worth its memory; if one comes later, it recovers alone, as before
// takeovers restored. Waiters of a set that goes get give(nullptr).
// Thread-safe.

#include "events/partition_group.hpp"
#include "events/strong_types.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace storemesh::actors {

class restored_images {
public:
  using image_ptr = std::shared_ptr<void>;  ///< an entity_image<Entity>
  /// "kind/id" (the router's key) -> image.
  using image_map = std::unordered_map<std::string, image_ptr>;
  using give_fn = std::function<void(image_ptr)>;

  explicit restored_images(std::chrono::milliseconds hold) : hold_(hold) {}

  /// Starts the set of (p, tenure), replacing any set of p. False when that
  /// set exists already (the intake prepares a partition again when opening
  /// it failed): nothing to restore again.
  bool begin(partition_id p, ownership_epoch tenure);
  /// Whether the set of (p, tenure) is still restoring: a restore whose set
  /// went (its tenure ended, the daemon stops) may stop early.
  [[nodiscard]] bool wanted(partition_id p, ownership_epoch tenure) const;
  /// The restore of (p, tenure) is done: waiters get their images, the rest
  /// wait for claims. Ignored when the set went meanwhile.
  void finish(partition_id p, ownership_epoch tenure, image_map images);
  void claim(const std::string& key, partition_id p, ownership_epoch tenure, give_fn give);
  /// Drops the sets whose tenure ended (with a group) or whose hold passed.
  void expire(const events::partition_group* group);
  /// Drops every set (the daemon stops).
  void clear();

  struct counts {
    std::size_t restoring = 0;   ///< sets not finished
    std::size_t held = 0;        ///< images not claimed yet
    std::size_t handed_out = 0;  ///< images claimed since the start
    std::size_t waiting = 0;     ///< claims waiting for a restore to finish
  };
  [[nodiscard]] counts count() const;

private:
  struct set {
    ownership_epoch tenure;
    bool ready = false;
    std::chrono::steady_clock::time_point ready_at;
    image_map images;
    std::vector<std::pair<std::string, give_fn>> waiters;
  };
  /// Removes the set of p, returning its waiters (to be answered unlocked).
  std::vector<std::pair<std::string, give_fn>> drop(std::map<std::int32_t, set>::iterator it);

  const std::chrono::milliseconds hold_;
  mutable std::mutex mutex_;
  std::map<std::int32_t, set> sets_;  ///< partition -> its set
  std::size_t handed_out_ = 0;
};

} // namespace storemesh::actors
