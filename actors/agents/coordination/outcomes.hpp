#pragma once
// What became of recent commands, by command id: the revision of the event it
// produced, or the rejection. A management server answers a write from here
// once its replica has applied the outcome; a retry of that write (same id,
// sent again by the director to another server) finds it here even when the
// log decided it long ago and the duplicate appended nothing.
//
// Bounded: the oldest outcomes are forgotten first (a write is retried within
// seconds, not after a million others).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace storemesh::actors::coordination {

struct outcome {
  bool accepted = false;
  std::uint64_t revision = 0;  ///< accepted: the revision (sequence) of its last event
  std::int64_t offset = -1;    ///< accepted: the offset of its last event
  std::uint64_t deleted = 0;   ///< accepted: keys its events deleted
  std::string code;            ///< rejected
  std::string reason;
};

class outcomes {
public:
  explicit outcomes(std::size_t capacity = 100000) : capacity_(capacity) {}

  /// The first outcome of a command is its outcome: a later record for the
  /// same id (the "duplicate" rejection of a retry) changes nothing.
  void record(const std::string& command_id, outcome o);

  /// Waits until the outcome of command_id is known, at most `timeout`.
  [[nodiscard]] std::optional<outcome> wait(const std::string& command_id, std::chrono::milliseconds timeout);

  [[nodiscard]] std::optional<outcome> find(const std::string& command_id) const;

private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t capacity_;
  std::unordered_map<std::string, outcome> by_id_;
  std::deque<std::string> order_;
};

} // namespace storemesh::actors::coordination
