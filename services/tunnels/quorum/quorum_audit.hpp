#pragma once
// The quorum's own invariants, checked over one cluster's events in log order
// (what `storemesh audit` runs for every cluster entity, ops/audit_clusters):
//
//  1. below target: once the quorum first reached its target, it never had
//     fewer members than the target for longer than the configured grace. A
//     period starts when members drop below the target (a loss, a removal, a
//     raised target) and ends when they reach it again (a promoted node
//     ready, a server back as a member, a lowered target). A period still open
//     at the end counts up to `end_ns` (the latest time the log shows, not the
//     auditor's clock, so that the verdict does not depend on when it runs).
//  2. every promotion had a loss behind it: promotion_started names a loss
//     recorded before it and still open, and the quorum had room for it
//     (members + promoting < target);
//  3. never two active promotions for one loss;
//  4. every member added by promotion was ready first: promotion_ready ends a
//     started promotion of that very node, caught up (lag <= max_lag); and
//     the promoted node was eligible when it was chosen (healthy, lag <=
//     max_lag, its verdict eligible);
//  5. a server that came back did not push the quorum over its target.
//
// Times: an event's own time field (at_ns, from the command's now_ns) when it
// has one, otherwise the envelope's timestamp (configure, add_server,
// add_node). The decider enforces 2-5 for what it decides; the audit checks
// that the log, whoever wrote it, holds to them, and 1, which no single
// decision can enforce.
//
// Pure: no I/O, no clock. The state is folded with the module's own evolve.

#include "services/tunnels/quorum/cluster.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace storemesh::services::cluster {

struct quorum_violation {
  std::uint64_t sequence = 0;  ///< the event where it shows (for a period: where it started)
  std::int64_t at_ns = 0;
  std::string what;
};

/// One below-target period.
struct below_target_period {
  std::uint64_t sequence = 0;  ///< the event that started it
  std::int64_t from_ns = 0;
  std::int64_t until_ns = 0;   ///< when it ended, or end_ns if it had not
  bool ended = false;
  std::int64_t grace_ns = 0;   ///< the grace configured when it started
  [[nodiscard]] std::int64_t length_ns() const { return until_ns - from_ns; }
};

class quorum_auditor {
public:
  /// One event of the cluster, in log order: its entity sequence and the
  /// envelope's timestamp.
  void observe(std::uint64_t sequence, std::int64_t timestamp_ns, const event& e);
  /// Closes a period still open at `end_ns` and returns the verdict so far.
  [[nodiscard]] std::vector<quorum_violation> finish(std::int64_t end_ns);

  [[nodiscard]] const state& current() const { return state_; }
  [[nodiscard]] const std::vector<below_target_period>& periods() const { return periods_; }

private:
  void violation(std::uint64_t seq, std::int64_t at, std::string what);
  void check_before(std::uint64_t seq, std::int64_t at, const event& e);

  state state_;
  bool reached_target_ = false;
  std::optional<below_target_period> open_;
  std::vector<below_target_period> periods_;
  std::vector<quorum_violation> violations_;
  std::int64_t last_ns_ = 0;
};

struct timed_event {
  std::uint64_t sequence = 0;
  std::int64_t timestamp_ns = 0;
  cluster::event event;
};

/// The whole check over a sequence of events; end_ns: see quorum_auditor.
[[nodiscard]] std::vector<quorum_violation> audit_quorum(const std::vector<timed_event>& events,
                                                         std::optional<std::int64_t> end_ns = std::nullopt);

/// When an event happened: its own at_ns if it has one, else `timestamp_ns`.
[[nodiscard]] std::int64_t event_time(const event& e, std::int64_t timestamp_ns);

} // namespace storemesh::services::cluster
