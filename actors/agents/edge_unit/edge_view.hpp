#pragma once
// What an edge unit reads from the log, on a thread of its own (log_tail):
// every delivery (which slices are placed on it, which it has confirmed,
// which a reschedule moved away), its own edge_unit entity, and the outcome
// of each command it sent.

#include "actors/agents/log_tail/command_outcomes.hpp"
#include "actors/agents/log_tail/log_tail.hpp"
#include "services/delivery/edge_unit.hpp"
#include "services/delivery/process.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace storemesh::agents::edge_unit {

struct no_detail {};
using command_outcome = agents::command_outcome<no_detail>;

class edge_view {
public:
  edge_view(std::unique_ptr<events::event_log> log, actors::topics names, std::string edge);

  void start() { tail_.start(); }
  void stop() { tail_.stop(); }
  bool wait_caught_up(std::chrono::milliseconds timeout) { return tail_.wait_caught_up(timeout); }

  /// The delivery's state, waiting up to `timeout` for it to be planned (a
  /// plan the tail has not read yet); none if it is not.
  [[nodiscard]] std::optional<services::delivery::process::state> delivery(const std::string& id,
                                                                           std::chrono::milliseconds timeout);
  [[nodiscard]] services::delivery::edge_unit::state self() const;
  /// How many deliveries place slices here, and how many of those it confirmed.
  struct tally {
    std::uint64_t placed = 0, confirmed = 0, moved_away = 0;
  };
  [[nodiscard]] tally count() const;

  [[nodiscard]] std::optional<command_outcome> wait_outcome(const std::array<std::uint8_t, 16>& id,
                                                            std::int64_t command_offset,
                                                            std::chrono::milliseconds timeout) {
    return outcomes_.wait(id, command_offset, timeout);
  }

private:
  void fold(const events::envelope::decoded_envelope& e);

  std::string edge_;
  mutable std::mutex mutex_;
  std::map<std::string, services::delivery::process::state> deliveries_;
  std::uint64_t moved_away_ = 0;
  services::delivery::edge_unit::state self_;
  agents::log_tail tail_;
  agents::command_outcomes<no_detail> outcomes_{tail_};
};

} // namespace storemesh::agents::edge_unit
