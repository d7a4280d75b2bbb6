#pragma once
// What a router process reads from the log, on a thread of its own: its
// network's topology entity and every router entity, folded with the
// deciders' own evolve (so it sees what the entities decide with), and the
// rejections of the commands it sent (logged, by the key it sent them under).
//
// Readers take a copy through snapshot(); the tail (actors/agents/log_tail)
// folds on its own thread, and wait_beyond() wakes after every poll that read
// something, so the agent wakes at once instead of on its next tick.

#include "actors/agents/log_tail/log_tail.hpp"
#include "actors/topics.hpp"
#include "events/event_log.hpp"
#include "services/consensus/agreement.hpp"
#include "services/consensus/router_node.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace storemesh::actors::router {

class router_view {
public:
  struct snapshot_type {
    services::topology::state topology = services::topology::initial;
    std::map<std::string, services::router::state> routers;
  };

  router_view(std::unique_ptr<events::event_log> log, topics names, std::string network, std::string self);
  ~router_view();

  void start() { tail_.start(); }
  void stop() { tail_.stop(); }

  [[nodiscard]] snapshot_type snapshot() const;
  /// Whether everything in the log when the view started has been folded.
  [[nodiscard]] bool caught_up_once() const { return tail_.caught_up_once(); }
  /// Waits until the log's tail read more than it had at `known` (or the timeout); returns the tail's version.
  std::uint64_t wait_beyond(std::uint64_t known, std::chrono::milliseconds timeout) {
    return tail_.wait_beyond(known, timeout);
  }

  /// Remembers that `id` was sent as `key`: a rejection of it is logged by key.
  void sent(const std::array<std::uint8_t, 16>& id, const std::string& key);
  /// "code: reason" of the rejection of the command sent as `key`, once read.
  [[nodiscard]] std::optional<std::string> refusal(const std::string& key) const;

private:
  void reset();
  void fold(const events::envelope::decoded_envelope& e);

  std::string network_, self_;

  mutable std::mutex mutex_;
  snapshot_type state_;
  std::map<std::string, std::string> sent_;  // command id bytes -> key
  std::map<std::string, std::string> refused_;  // key -> "code: reason"
  agents::log_tail tail_;
};

} // namespace storemesh::actors::router
