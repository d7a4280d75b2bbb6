#pragma once
// A thread that follows some partitions of the log from their beginning and
// hands every decoded record to a fold: what an agent's read model (a router's
// view of the votes, a control host's view of the storage systems) is built
// from. After an error (a broker gone, a torn tail) it starts over: `reset`
// forgets everything folded, so nothing half-applied stays behind.
//
// The fold runs on the tail's thread; whoever owns the folded state guards it.
// version() grows after every poll that read something, and wait_beyond()
// wakes on it, so a reader waiting for an outcome wakes as soon as it is read.

#include "actors/topics.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/event_log.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace storemesh::agents {

class log_tail {
public:
  struct source {
    std::string topic;
    std::optional<std::string> key;  ///< only the partition of this key; none: every partition
  };
  struct handlers {
    std::function<void()> reset;
    std::function<void(const events::envelope::decoded_envelope&, const events::record_view&)> fold;
    /// How long to wait for new records when a poll read none (polling every
    /// source again afterwards): short while someone waits for an outcome.
    std::function<std::chrono::milliseconds()> idle_wait;
  };

  /// `who` names the agent in log lines.
  log_tail(std::unique_ptr<events::event_log> log, actors::topics names, std::vector<source> sources, handlers h,
           std::string who);
  ~log_tail();
  log_tail(const log_tail&) = delete;
  log_tail& operator=(const log_tail&) = delete;

  void start();
  void stop();

  /// Whether everything in the log when a pass started has been folded once.
  [[nodiscard]] bool caught_up_once() const { return caught_up_once_.load(); }
  /// Waits until caught_up_once() or the timeout; returns it.
  bool wait_caught_up(std::chrono::milliseconds timeout);
  [[nodiscard]] std::uint64_t version() const;
  /// Waits until the version is beyond `known` (or the timeout); returns it.
  std::uint64_t wait_beyond(std::uint64_t known, std::chrono::milliseconds timeout);
  /// Ends an idle wait now: someone starts waiting for news (and idle_wait
  /// says so), so the tail looks at every source again at once.
  void nudge() { nudged_ = true; }

private:
  void run();
  [[nodiscard]] result<void> follow();
  void bump();

  std::unique_ptr<events::event_log> log_;
  actors::topics names_;
  std::vector<source> sources_;
  handlers handlers_;
  std::string who_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t version_ = 0;
  std::atomic<bool> caught_up_once_{false};
  std::atomic<bool> stop_{false};
  std::atomic<bool> nudged_{false};
  std::thread thread_;
};

} // namespace storemesh::agents
