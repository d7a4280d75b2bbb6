#pragma once
// The deterministic simulator: the whole fabric in one thread, from one seed.
//
// A run builds a simulated log (sim_log), N daemons that each host the
// runtime's own rules -- the intake's admission, entity cores (dedup,
// sequences, hash chains, snapshots), recovery from the log, the reactions,
// the fencing check -- and a scenario's operators and agents
// (sim/scenario.hpp). Every step, the scenario may issue commands, the
// network carries them to the log, one daemon acts (polls its group, decides
// a round, completes an append, reacts to events) and faults strike. After
// every step the invariants are checked (sim/invariants.hpp, and the
// scenario's own). A quiet phase at the end (no new faults, everyone back)
// lets everything in flight settle, then "nothing lost" is checked too.
//
// Three generators, all forked from the seed: the workload (the scenario),
// the scheduler (who acts) and the faults. A run's faults are recorded as a
// schedule; given a schedule instead of fault kinds, a run draws no faults
// and replays those, which is how a failure is shrunk (shrink.hpp).

#include "sim/faults.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace storemesh::sim {

struct run_options {
  std::uint64_t seed = 1;
  std::string scenario = "runtime";
  std::uint64_t steps = 200;
  fault_set faults;                                 ///< what may strike (drawn)
  std::optional<std::vector<fault_event>> schedule; ///< or exactly this (nothing drawn)
  std::uint32_t daemons = 3;
  std::int32_t partitions = 4;
  /// Write a line per action into run_result::trace_lines (for --trace).
  bool keep_trace = false;
};

struct run_result {
  bool ok = true;
  std::string violation;          ///< the first invariant that failed
  std::uint64_t failed_step = 0;
  std::vector<fault_event> schedule;  ///< the faults that struck, in order
  std::string trace_hash;         ///< BLAKE2b of everything appended and every action, hex
  std::vector<std::string> trace_lines;
  // What happened, for the summary line.
  std::uint64_t commands = 0, events = 0, rejections = 0, decisions = 0, recoveries = 0, snapshots = 0;
  std::uint64_t fenced_appends = 0, steps_run = 0;
};

[[nodiscard]] run_result run(const run_options& options);

} // namespace storemesh::sim
