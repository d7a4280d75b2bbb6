#pragma once
// A host's data plane: runs the copy jobs assigned to the hosts it serves,
// with the copy engine, and reports back as signed commands (report_started,
// report_progress, report_stopped, report_finalizing, report_finished,
// report_failed).
//
// A controller, not a chain of callbacks: it follows the copy_job events
// topic from the beginning, folding every job's state, and reconciles each
// job whose state changed with what runs here. So whatever a crash or a
// restart cut short, the durable state says what to do next:
//   running here, nothing running      -> run from the last recorded chunk
//   stop requested here, nothing runs  -> report the portion done (request 2)
//   stop requested here, a run going   -> stop it after the chunk in flight
//   finalizing here, nothing running   -> finalize again (it is idempotent)
//   throttle changed, a run going      -> the run takes it at its next piece
//   moved elsewhere, finished          -> abandon any run here (mid-chunk), report nothing
//
// A run reports `finalizing` once every byte is copied, before the finalize
// (fdatasync, O_DIRECT read-back, rename) that can take seconds.
//
// For every replication gateway it serves, it also reports the gateway's load
// (host report_load) every report_interval of the gateway's site: the bytes
// per second its copies replicated, per copy and in all, the CPU time their
// threads used, and its queue (jobs assigned to it). Measured, not
// estimated: the copy engine counts the bytes and the CPU (load_meter.hpp).
// An idle gateway that said so repeats it only every stale_after / 2, enough
// for the rebalancer to count it fresh.
//
//   created -> running -> stopped     stop() abandons runs (they resume after a
//                                      restart) and joins.

#include "actors/command_sink.hpp"
#include "actors/runtime_context.hpp"
#include "services/gateway/load_meter.hpp"
#include "services/migration/copy_job.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

namespace storemesh::actors {

class copy_agent {
public:
  /// hosts: the hosts whose datastores are mounted here; empty means every
  /// host (the embedded daemon runs all agents itself).
  /// ready(): true once the log has settled enough to act on (the intake has
  /// decided the commands a previous run left in the log; else reports of a
  /// killed predecessor, decided after we read the job, would overtake ours).
  copy_agent(runtime_context& ctx, command_sink& sink, std::set<std::string> hosts, std::function<bool()> ready);
  ~copy_agent();

  void start();
  void stop();

private:
  struct run;
  void follow();
  void reconcile(const std::string& job, const services::copy_job::state& s);
  void start_run(const std::string& job, const services::copy_job::state& s);
  void reap();
  /// Reports the load of every gateway served here whose report is due.
  void report_loads();
  [[nodiscard]] std::uint32_t queue_depth(const std::string& host) const;
  [[nodiscard]] bool serves(const std::string& host) const { return hosts_.empty() || hosts_.count(host) != 0; }

  runtime_context& ctx_;
  command_sink& sink_;
  std::set<std::string> hosts_;
  std::function<bool()> ready_;
  std::map<std::string, services::copy_job::state> jobs_;
  std::map<std::string, std::unique_ptr<run>> runs_;
  /// Job -> epoch whose end (stopped, finished, failed) was reported: not
  /// acted on again until the job's state moves on.
  std::map<std::string, std::uint32_t> reported_;
  /// Per host that ran copies here: its counters, and when its next load
  /// report is due (only gateways report).
  struct gateway_meter {
    /// FIRST_DUE_NS: when the first report is due (at once for an idle
    /// gateway; a second after its first copy started, so the rate means something).
    gateway_meter(std::int64_t now_ns, std::int64_t first_due_ns) : meter(now_ns), due_ns(first_due_ns) {}
    services::gateway::load_meter meter;
    std::int64_t due_ns;
    std::int64_t sent_ns = 0;
    bool idle_sent = false;
  };
  std::map<std::string, gateway_meter> meters_;
  std::chrono::steady_clock::time_point next_load_check_{};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

} // namespace storemesh::actors
