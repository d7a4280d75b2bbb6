#pragma once
// The copy agents of a few hosts, as the simulator runs them: each follows
// the copy_job events in the log (with a lag of its own, so that a host can
// act as a zombie for a while), folds the jobs with the job's own evolve (as
// actors/copy_agent does), and reconciles each job it holds against the
// simulated disk. Whether it runs, hands over, reports a stop or abandons a
// job is the real agent's own table (services/migration/agent_reconcile.hpp);
// what a run does on the disk is this file's:
//
//   not started             -> report_started (size, mtime of the source)
//   running                 -> copy the next chunk (several steps on a slow
//                              disk, reporting offsets inside it meanwhile),
//                              report_progress with its hash (not synced, as
//                              the engine's: a crash can lose recorded chunks);
//                              ENOSPC -> discard the temp, report_failed disk_full
//   stop requested here     -> close the file (written back), report_stopped
//                              at the end of its chunks
//   every chunk recorded    -> report_finalizing; fsync, read back, copy again
//                              the chunks whose hash differs (once), rename,
//                              report_finished with job_digest(the chunk hashes)
//   moved away or finished  -> abandon the run, report nothing
//
// A crash loses the agent's memory and its host's unsynced writes (a torn
// write leaves part of the last one); it restarts from the log, at the job's
// resume_offset(), and the finalize repairs what the crash took. Every report it has not seen decided is sent
// again after a while (commands may be lost), so refusals of repeats are
// expected and harmless.
//
// Chunk bounds and the digest are the engine's own (chunk_plan, job_digest).

#include "services/migration/agent_reconcile.hpp"
#include "services/migration/copy_job.hpp"
#include "services/reaction.hpp"
#include "sim/scenario.hpp"
#include "sim/scenarios/sim_disk.hpp"

#include <map>
#include <string>
#include <vector>

namespace storemesh::sim {

/// Where a job's files live on the simulated disk.
[[nodiscard]] std::string disk_name(const services::copy_job::location& l);
/// The temp file a job is copied into, beside its destination (named after
/// the job, so host B continues host A's), as actors/copy_agent names it.
[[nodiscard]] std::string temp_name(const services::copy_job::location& destination, const std::string& job);

class sim_copy_agent {
public:
  /// The defaults keep a handful of jobs under half a command a step: the
  /// simulated fabric decides about one command a step when nothing fails,
  /// and a command that waits longer than the dedup window (60 steps) is
  /// refused as expired.
  struct options {
    unsigned copy_per_mille = 80;    ///< chance a held job moves on in a step
    unsigned lag_per_mille = 200;    ///< chance an agent does not read the log in a step
    unsigned crash_per_mille = 4;    ///< chance an agent crashes in a step
    unsigned enospc_per_mille = 15;  ///< with disk_full: chance a write fails
    unsigned max_slow_steps = 5;     ///< with slow_disk: steps a chunk can take
    unsigned lead_chunks = 2;        ///< chunks copied ahead of what the log records
    unsigned resend_steps = 40;      ///< a report not seen decided is sent again after this (then 2x, 4x...)
    unsigned midchunk_per_mille = 60;   ///< chance a chunk in flight reports its offset inside it
    unsigned writeback_per_mille = 100; ///< chance a host's dirty pages are written back in a step
    bool sync_every_chunk = false;      ///< fsync each chunk before reporting it (the engine does not)
    /// Test-only, a bug planted in the agent: the finalize renames without
    /// reading back, so chunks a crash lost reach the destination as zeros.
    bool planted_skip_read_back = false;
  };

  sim_copy_agent(std::vector<std::string> hosts, sim_disk& disk, options o);

  void step(step_context& ctx, std::vector<services::issued_command>& out);

  /// The jobs HOST's agent believes it holds (running or stopping there).
  [[nodiscard]] std::vector<std::string> held(const std::string& host) const;
  /// The job as the freshest agent sees it; null if none has seen it.
  [[nodiscard]] const services::copy_job::state* job(const std::string& id) const;

private:
  enum class sent : std::uint8_t { none, started, progress, stopped, finalizing, finished, failed };
  struct run {
    std::uint32_t epoch = 0;
    std::uint64_t next = 0;  ///< end of the chunks this run made durable
    std::vector<services::copy_job::chunk_hash> hashes;  ///< every chunk below next
    std::uint64_t piece = 0;  ///< bytes of the chunk at next written, not synced
    unsigned steps_left = 0;  ///< slow disk: steps before the chunk is written
    bool finalized = false;
    services::copy_job::chunk_hash digest{};
    std::string fail_code, fail_reason;
    sent last = sent::none;
    std::uint64_t last_offset = 0;
    std::uint64_t sent_step = 0;
    unsigned resends = 0;  ///< of the last report
  };
  struct agent {
    std::string host;
    std::size_t cursor = 0;
    std::map<std::string, services::copy_job::state> jobs;
    std::map<std::string, run> runs;
  };

  void follow(agent& a, const log_view& log);
  /// What runs on agent A's host for job ID (agent_reconcile.hpp's input).
  [[nodiscard]] static services::copy_job::agent_here here(const agent& a, const std::string& id,
                                                           const services::copy_job::state& s);
  void act(agent& a, const std::string& id, const services::copy_job::state& s,
           services::copy_job::agent_action action, step_context& ctx, std::vector<services::issued_command>& out);
  void copy_chunk(agent& a, const std::string& id, const services::copy_job::state& s, run& r, step_context& ctx);
  void finalize(agent& a, const std::string& id, const services::copy_job::state& s, run& r);
  /// Sends C unless the same report went out lately.
  void report(const std::string& id, run& r, sent what, services::copy_job::command c, step_context& ctx,
              std::vector<services::issued_command>& out);

  sim_disk& disk_;
  options opt_;
  std::vector<agent> agents_;
};

} // namespace storemesh::sim
