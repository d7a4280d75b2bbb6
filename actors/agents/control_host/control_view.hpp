#pragma once
// What a control host reads from the log, on a thread of its own (log_tail):
// every storage system and every control host, folded with the deciders' own
// evolve, and the outcome of each command it sent, by command id and the
// offset it was appended at. The offset matters: a retried request is sent
// under the id of its first attempt, and the runtime refuses it as a
// duplicate; the first attempt's acceptance, also in the log under that id,
// must not pass for the retry's.

#include "actors/agents/log_tail/command_outcomes.hpp"
#include "actors/agents/log_tail/log_tail.hpp"
#include "services/control_path/control_host.hpp"
#include "services/control_path/storage_system.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace storemesh::actors::control_host {

struct log_snapshot {
  std::map<std::string, services::storage::state> storages;
  std::map<std::string, services::control_host::state> hosts;
};

/// What became of one command; an accepted convert's detail is its OX_ID.
using command_outcome = agents::command_outcome<std::uint16_t>;

class control_view {
public:
  control_view(std::unique_ptr<events::event_log> log, topics names, std::string self);

  void start() { tail_.start(); }
  void stop() { tail_.stop(); }
  bool wait_caught_up(std::chrono::milliseconds timeout) { return tail_.wait_caught_up(timeout); }

  [[nodiscard]] log_snapshot snapshot() const;
  /// f(const log_snapshot&) under the view's lock: what a request needs of
  /// it, without copying every storage system's open exchanges each time.
  template <class F>
  auto with_log(F&& f) const {
    std::lock_guard lock(mutex_);
    return f(static_cast<const log_snapshot&>(state_));
  }
  /// The outcome of the command `id` appended at `command_offset`, once read
  /// (at most `timeout`).
  [[nodiscard]] std::optional<command_outcome> wait_outcome(const std::array<std::uint8_t, 16>& id,
                                                            std::int64_t command_offset,
                                                            std::chrono::milliseconds timeout) {
    return outcomes_.wait(id, command_offset, timeout);
  }

private:
  void reset();
  void fold(const events::envelope::decoded_envelope& e);

  mutable std::mutex mutex_;
  log_snapshot state_;
  agents::log_tail tail_;
  agents::command_outcomes<std::uint16_t> outcomes_{tail_};
};

} // namespace storemesh::actors::control_host
