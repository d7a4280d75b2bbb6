#pragma once
// What became of the commands an agent appended, as its log_tail reads their
// outcomes: an event caused by the command, or a rejection. Keyed by command
// id AND the offset the command was appended at: a retry is appended under
// the id of its first attempt and refused as a duplicate, and the first
// attempt's acceptance, in the log under the same id, must not pass for the
// retry's. Kept for the newest 65536 commands.
//
// The owner's fold calls accepted()/fold_rejection() on the tail's thread;
// any thread calls wait(). `Detail` is what the owner keeps of an accepting
// event (a convert's OX_ID; nothing).

#include "actors/agents/log_tail/log_tail.hpp"
#include "events/envelope/envelope_builder.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace storemesh::agents {

template <class Detail>
struct command_outcome {
  bool accepted = false;
  std::string code, reason;  ///< refused
  Detail detail{};
};

template <class Detail>
class command_outcomes {
public:
  explicit command_outcomes(log_tail& tail) : tail_(tail) {}

  /// How long the tail may idle between polls: short while someone waits.
  [[nodiscard]] std::chrono::milliseconds idle_wait() const {
    return std::chrono::milliseconds(waiting_ > 0 ? 2 : 50);
  }

  void accepted(std::string_view command_id, std::int64_t command_offset, Detail d = {}) {
    record(key(command_id, command_offset), command_outcome<Detail>{true, {}, {}, std::move(d)});
  }
  /// A rejection record, of any kind (the intake refuses before it knows one);
  /// false when `env` is not one.
  bool fold_rejection(schema::Envelope::Reader env) {
    if (!env.getPayload().isRejection())
      return false;
    auto rj = env.getPayload().getRejection();
    record(key(events::envelope::as_string_view(env.getCausationId()), rj.getCommandOffset()),
           command_outcome<Detail>{false, rj.getCode().cStr(), rj.getReason().cStr(), {}});
    return true;
  }

  /// The outcome of the command `id` appended at `command_offset`, once read
  /// (at most `timeout`).
  [[nodiscard]] std::optional<command_outcome<Detail>> wait(const std::array<std::uint8_t, 16>& id,
                                                            std::int64_t command_offset,
                                                            std::chrono::milliseconds timeout) {
    const auto k = key(std::string_view(reinterpret_cast<const char*>(id.data()), id.size()), command_offset);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    ++waiting_;
    tail_.nudge();
    std::optional<command_outcome<Detail>> found;
    for (;;) {
      const auto seen = tail_.version();
      {
        std::lock_guard lock(mutex_);
        if (auto it = outcomes_.find(k); it != outcomes_.end()) {
          found = it->second;
          break;
        }
      }
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline)
        break;
      (void)tail_.wait_beyond(seen, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
    }
    --waiting_;
    return found;
  }

private:
  static constexpr std::size_t kept = 65536;

  static std::string key(std::string_view id, std::int64_t offset) {
    return std::string(id) + ":" + std::to_string(offset);
  }
  void record(std::string k, command_outcome<Detail> o) {
    std::lock_guard lock(mutex_);
    if (!outcomes_.emplace(k, std::move(o)).second)
      return;
    order_.push_back(std::move(k));
    if (order_.size() > kept) {
      outcomes_.erase(order_.front());
      order_.pop_front();
    }
  }

  log_tail& tail_;
  std::mutex mutex_;
  std::unordered_map<std::string, command_outcome<Detail>> outcomes_;
  std::deque<std::string> order_;  ///< oldest first
  std::atomic<int> waiting_{0};
};

} // namespace storemesh::agents
