#pragma once
// The faults the simulator injects, and a run's schedule of them: what
// happened at which step to what. A schedule replays a run's faults exactly
// (without drawing any), which is what shrinking cuts down.

#include "events/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::sim {

enum class fault : std::uint8_t {
  crash,       ///< a daemon dies (memory lost) and restarts later, recovering from the log
  rebalance,   ///< the group reassigns the partitions
  zombie,      ///< a daemon stops (GC pause): expelled, then resumes acting on its old view
  abort,       ///< the broker fails over: a daemon's transaction is aborted
  slow_log,    ///< a daemon's append stays in flight for many steps
  delay,       ///< a command takes many steps to reach the log (others overtake it)
  duplicate,   ///< a command reaches the log twice (its sender retried a lost answer)
  loss,        ///< a command is lost and its sender retries it later, same id
  partition,   ///< a daemon is cut off from the log for a while
  torn_write,  ///< a daemon dies mid-append: nothing of the round is in the log
  disk_full,   ///< (agents) a write fails with ENOSPC
  slow_disk,   ///< (agents) a write takes many steps
  skew,        ///< an issuer's clock jumps ahead or behind
};

inline constexpr fault all_faults[] = {fault::crash,     fault::rebalance, fault::zombie, fault::abort, fault::slow_log,
                                       fault::delay,     fault::duplicate, fault::loss,   fault::partition,
                                       fault::torn_write, fault::disk_full, fault::slow_disk, fault::skew};

[[nodiscard]] std::string_view fault_name(fault f);

/// A set of faults: "all", "none", or a comma-separated list of names.
struct fault_set {
  std::uint32_t bits = 0;
  [[nodiscard]] bool has(fault f) const { return (bits & (1u << static_cast<unsigned>(f))) != 0; }
  void add(fault f) { bits |= 1u << static_cast<unsigned>(f); }
  [[nodiscard]] std::string text() const;
  [[nodiscard]] static result<fault_set> parse(std::string_view list);
};

/// One fault that happened: at `step`, `what`, to `target` (a daemon's index,
/// or a message's index among those sent that step), for `span` steps.
struct fault_event {
  std::uint64_t step = 0;
  fault what = fault::crash;
  std::uint32_t target = 0;
  std::uint32_t span = 0;
  friend bool operator==(const fault_event& a, const fault_event& b) {
    return a.step == b.step && a.what == b.what && a.target == b.target && a.span == b.span;
  }
};

[[nodiscard]] std::string schedule_text(const std::vector<fault_event>& schedule);
/// "12:crash:1:30,40:delay:0:7" (step:fault:target:span, as schedule_text writes it).
[[nodiscard]] result<std::vector<fault_event>> parse_schedule(std::string_view text);

} // namespace storemesh::sim
