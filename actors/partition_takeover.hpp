#pragma once
// What a daemon does when it takes a partition: restore the entities of every
// kind whose events are in it, in one pass per kind (partition_restore.hpp),
// on the blocking pool, into the set their actors take their images from
// (restored_images.hpp). The intake calls start_takeover while it prepares
// the partition (daemon.cpp), before reading any command of it, so every
// actor of the partition's new tenure finds the set restoring or ready.
//
// Before it reads, the restore lets the log writer finish what is queued:
// rounds decided under an earlier tenure of the partition (a reload after a
// fenced write keeps the partition under a new tenure) are then written or
// refused, and any submitted later are refused as stale. So the pass sees
// everything a previous tenure will ever add. (A previous owner elsewhere:
// the intake waits for its transactions to end before it prepares.)

#include "actors/partition_restore.hpp"
#include "actors/runtime_context.hpp"

#include <functional>

namespace storemesh::actors {

/// Restores p's entities of every kind into `into`. Blocking. Stops early,
/// with what it has, when `go_on` (if given) says no between kinds.
[[nodiscard]] result<restore_tally> restore_all_kinds(const runtime_context& ctx, partition_id p,
                                                      restored_images::image_map& into,
                                                      const std::function<bool()>& go_on = {});

struct takeover_hooks {
  /// Runs on the pool before the pass reads anything (tests hold a restore
  /// there, to send commands while it runs).
  std::function<void(partition_id, const restored_images&)> gate;
  /// Runs on the pool once the set is ready (the daemon schedules its expiry).
  std::function<void()> done;
};

/// Begins the set of (p, tenure) in ctx.restored and restores it on ctx.pool.
/// A set of (p, tenure) begun already is left as it is.
void start_takeover(const runtime_context& ctx, partition_id p, ownership_epoch tenure, takeover_hooks hooks = {});

} // namespace storemesh::actors
