#pragma once
// Shrinking a failure: the shortest fault schedule that still fails.
//
// A failing run's faults are replayed as a schedule (world.hpp: nothing is
// drawn, so the workload and the scheduler make the same choices as long as
// the log lets them), then cut down by delta debugging (Zeller's ddmin):
// drop halves, then quarters, ... then single faults, keeping every cut after
// which the run still violates an invariant; the steps are cut to where it
// failed. What is left is the failure's cause, as a schedule anyone can
// replay with `storemesh sim --seed N --schedule S`.

#include "sim/world.hpp"

namespace storemesh::sim {

struct shrunk {
  run_options options;   ///< the seed, the steps and the schedule that still fail
  run_result result;     ///< that run
  std::uint32_t runs = 0;
};

/// `failure` is what run(options) returned; at most `budget` runs.
[[nodiscard]] shrunk shrink(const run_options& options, const run_result& failure, std::uint32_t budget = 300);

} // namespace storemesh::sim
