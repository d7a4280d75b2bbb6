#pragma once
// Copy jobs as an operator sees them, rebuilt from the log: each job's state,
// its rate and ETA from the timestamps of its progress events, and a timeline
// of its events and its migrations' events.

#include "actors/topics.hpp"
#include "events/event_log.hpp"
#include "services/migration/copy_job.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace storemesh::actors {
class topic_follower;
}

namespace storemesh::ops {

struct timeline_entry {
  std::int64_t timestamp_ns = 0;
  std::string kind;  ///< "copy_job" or "migration"
  std::string what;
  bool progress = false;  ///< a progressed event (compact timelines fold runs of them)
  std::uint64_t offset = 0;  ///< of a progressed event
};

struct job_view {
  services::copy_job::state state;
  std::int64_t submitted_ns = 0;
  std::int64_t ended_ns = 0;
  struct sample {
    std::int64_t timestamp_ns = 0;
    std::uint32_t epoch = 0;
    std::uint64_t offset = 0;
  };
  std::vector<sample> samples;  ///< every progress event
  std::int64_t portion_ns = 0;  ///< when the last "first portion completed" message was recorded
  std::int64_t finalizing_ns = 0;  ///< when the host began the finalize (its clock; 0: not yet)
  std::int64_t finalizing_recorded_ns = 0;  ///< when that was recorded (the log's clock)
  std::vector<timeline_entry> timeline;

  /// Bytes per second over the last few seconds of progress (0 when unknown).
  [[nodiscard]] double rate() const;
};

/// Jobs as the log has them, kept current by reading only what was appended
/// since the last refresh (`copy status --watch` and the demo refresh often).
class job_board {
public:
  /// only: follow that one job; empty: every job.
  job_board(events::event_log& log, const actors::topics& names, std::string only = {});
  ~job_board();
  job_board(const job_board&) = delete;
  job_board& operator=(const job_board&) = delete;

  /// Folds what was appended since the last call; every job, in id order.
  const std::map<std::string, job_view>& refresh();

private:
  void fold(const std::string& topic, const events::record_view& r);

  events::event_log& log_;
  actors::topics names_;
  std::string only_;
  std::unique_ptr<actors::topic_follower> follower_;
  std::map<std::string, job_view> jobs_;
  std::set<std::string> changed_;
};

/// Every job (or only `only`, when not empty), in id order: one full read.
[[nodiscard]] std::map<std::string, job_view> read_jobs(events::event_log& log, const actors::topics& names,
                                                        const std::string& only = {});

/// One line of a job: state, host, bytes, rate, ETA; while finalizing, how
/// long the verification has taken so far (NOW_NS: the reader's clock).
[[nodiscard]] std::string progress_line(const std::string& id, const job_view& j, bool bar, std::int64_t now_ns);
/// A throttle as read by people: "8.0 MiB/s", "unthrottled", "8.0 MiB/s until 12.0 MiB, then 1.0 KiB/s".
[[nodiscard]] std::string describe_throttle(std::uint64_t rate, std::uint64_t until, std::uint64_t then);
/// The wall clock, in ns since the epoch.
[[nodiscard]] std::int64_t wall_clock_ns();
/// The job's state as one JSON object.
[[nodiscard]] std::string job_json(const std::string& id, const job_view& j);
[[nodiscard]] std::string human_bytes(double bytes);

} // namespace storemesh::ops
