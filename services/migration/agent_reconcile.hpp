#pragma once
// What a host's copy agent does about one job when the job's state moves on:
// the agent's decision table as a pure function of the durable state and of
// what runs on the agent's host. The real agent (actors/copy_agent.cpp) acts
// on it with threads and the copy engine; the simulator's agent
// (sim/scenarios/sim_copy_agent.cpp) acts on it against a simulated disk. One
// table, so a rule the simulator checks is the rule the agent follows.
//
//   running here, nothing running      -> start a run from the last recorded chunk
//   stop requested here, nothing runs  -> report the portion done (request 2)
//   stop requested here, a run going   -> hand over after the chunk in flight
//   finalizing here, nothing running   -> start a run: it finalizes again (idempotent)
//   a run going                        -> it takes the current throttle
//   moved elsewhere, finished, or a
//   new epoch while a run goes         -> abandon the run, report nothing

#include "services/migration/copy_job.hpp"

#include <cstdint>
#include <optional>

namespace storemesh::services::copy_job {

/// What runs on the agent's host for this job.
struct agent_here {
  bool serves = false;                          ///< the job's host is one this agent serves
  std::optional<std::uint32_t> run_epoch;       ///< a run going, of this epoch
  std::optional<std::uint32_t> reported_epoch;  ///< this epoch's end already reported
};

enum class agent_action {
  none,
  abandon,         ///< stop the run mid-chunk and report nothing
  retune,          ///< the run goes on, with the current throttle
  hand_over,       ///< stop the run after its chunk and report the portion done
  report_stopped,  ///< nothing runs: report the portion the recorded chunks cover
  start_run,       ///< run (or finalize) from resume_offset()
};

[[nodiscard]] inline agent_action reconcile(const state& s, const agent_here& here) {
  const bool mine = !s.host.empty() && here.serves && !s.finished();
  if (here.run_epoch && (!mine || *here.run_epoch != s.epoch))
    return agent_action::abandon;  // moved on without us
  if (!mine)
    return agent_action::none;
  const bool stop_asked = s.status == job_status::stopping && s.stop_sent && !s.portion_done;
  if (here.run_epoch)
    return stop_asked ? agent_action::hand_over : agent_action::retune;
  if (here.reported_epoch && *here.reported_epoch == s.epoch)
    return agent_action::none;  // our report of this epoch's end is on its way
  if (stop_asked)
    return agent_action::report_stopped;
  if (s.status == job_status::running || s.status == job_status::stopping || s.status == job_status::finalizing)
    return agent_action::start_run;
  return agent_action::none;
}

} // namespace storemesh::services::copy_job
