#pragma once
// What an access server reads from the log, on a thread of its own
// (log_tail): its own entity (policy, sessions, pending scans, quarantine),
// folded with the decider's evolve, and the outcome of each command it sent.

#include "actors/agents/log_tail/command_outcomes.hpp"
#include "actors/agents/log_tail/log_tail.hpp"
#include "services/access/access_server.hpp"

#include <chrono>
#include <memory>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace storemesh::agents::access_server {

/// An accepted record_access's detail: its event (the decider's rule and reason).
using command_outcome = agents::command_outcome<services::access::accessed>;

class access_view {
public:
  access_view(std::unique_ptr<events::event_log> log, actors::topics names, std::string server);

  /// Before start(): the accesses whose records the view keeps (files a
  /// crash left in incoming, to be finished as the log says).
  void watch(std::set<std::string> accesses) { watched_ = std::move(accesses); }
  /// A watched access's record, if the log has one.
  [[nodiscard]] std::optional<services::access::accessed> watched(const std::string& access) const;

  void start() { tail_.start(); }
  void stop() { tail_.stop(); }
  bool wait_caught_up(std::chrono::milliseconds timeout) { return tail_.wait_caught_up(timeout); }

  /// f(const services::access::state&) under the view's lock.
  template <class F>
  auto with_state(F&& f) const {
    std::lock_guard lock(mutex_);
    return f(static_cast<const services::access::state&>(state_));
  }
  /// Waits until the session is known (an open_session the tail has not read
  /// yet) or the timeout; whether it is.
  bool wait_session(const std::string& session, std::chrono::milliseconds timeout);

  [[nodiscard]] std::optional<command_outcome> wait_outcome(const std::array<std::uint8_t, 16>& id,
                                                            std::int64_t command_offset,
                                                            std::chrono::milliseconds timeout) {
    return outcomes_.wait(id, command_offset, timeout);
  }

private:
  void fold(const events::envelope::decoded_envelope& e);

  std::string server_;
  mutable std::mutex mutex_;
  services::access::state state_;
  std::set<std::string> watched_;
  std::map<std::string, services::access::accessed> watched_records_;
  agents::log_tail tail_;
  agents::command_outcomes<services::access::accessed> outcomes_{tail_};
};

} // namespace storemesh::agents::access_server
