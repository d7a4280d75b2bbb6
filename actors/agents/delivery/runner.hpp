#pragma once
// The delivery runner (`storemesh delivery run`): the origin's data plane. It
// walks the windows of every planned delivery and sends each edge the slices
// due to it, coding each segment from the origin's copy as it goes:
//
//   window w: for each delivery not complete, the slices due by w (placed in
//   a window <= w, not confirmed) go to their edges, at most the edge's
//   window_bytes per window (the rest roll over to the next); the edge checks,
//   stores and confirms each in the log before it answers.
//   An edge that cannot be reached is reported down and its unconfirmed
//   slices rescheduled (process::reschedule) to the up edges nearest the
//   group; they are sent from the next window on.
//
// The log is re-read after every window (what the edges confirmed, what a
// reschedule moved), so a runner killed at any point resumes where the log
// says, and an edge that comes back gets only what is still placed on it.

#include "actors/agents/delivery/world.hpp"
#include "events/error.hpp"
#include "schemas/envelope.capnp.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace storemesh::agents::delivery {

struct runner_options {
  std::filesystem::path store;                        ///< the origin's content store
  std::uint32_t max_windows = 1'000'000;              ///< windows this run walks (tests: 1)
  std::chrono::milliseconds window_pause{0};          ///< between windows (a real off-peak schedule: hours)
  std::chrono::milliseconds edge_timeout{10'000};     ///< per request to an edge
  /// Only these deliveries (ids); empty: all.
  std::vector<std::string> only;
};

struct edge_tally {
  std::uint64_t slices = 0, bytes = 0, again = 0, refused = 0;
};

struct runner_report {
  std::uint32_t windows = 0;
  std::map<std::string, edge_tally> sent;  ///< by edge
  std::vector<std::string> lost;           ///< edges found down, in order
  std::uint64_t rescheduled = 0, stranded = 0;
  std::vector<std::string> complete, pending;  ///< delivery ids at the end
  std::vector<std::string> problems;           ///< one line each: refused slices, log refusals
};

struct runner_hooks {
  std::function<world()> read;
  /// Sends one command to the log and waits for its outcome: "" accepted, else why.
  std::function<std::string(const std::string& kind, const std::string& id,
                            const std::function<void(schema::Envelope::Builder)>& fill)>
      submit;
  std::function<void(const std::string&)> say;  ///< progress lines
};

[[nodiscard]] result<runner_report> run_deliveries(const runner_options& o, const runner_hooks& h);

} // namespace storemesh::agents::delivery
