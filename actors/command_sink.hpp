#pragma once
// Commands the daemon issues itself: process-manager reactions and host
// agents' reports. Signed with the daemon's key (which the daemon trusts) and
// appended to the commands topic through the log writer, so they take the
// same road as an operator's command: intake, signature check, dedup by id.
//
// They are signed by the batch (command_signing.hpp): a round of reactions
// as one batch, and agents' reports as they come, group-commit style -- the
// thread that finds no signing under way signs what is waiting, and reports
// sent meanwhile wait for its next round, so a busy agent's reports share a
// signature without any of them waiting on a timer.

#include "actors/log_writer.hpp"
#include "actors/core/reaction_step.hpp"
#include "actors/records.hpp"
#include "services/reaction.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace storemesh::actors {

class command_sink {
public:
  command_sink(log_writer& writer, topics names, std::int32_t command_partitions, std::string producer)
      : writer_(writer), names_(std::move(names)), partitions_(command_partitions), producer_(std::move(producer)) {}

  /// The commands' records, signed as one batch: ids, causes and
  /// correlations as given.
  [[nodiscard]] result<std::vector<events::record>> build(const std::vector<reaction>& commands) const;

  /// Appends records (keyed by entity id) in order per key; `done` runs once
  /// they are durable.
  void submit(std::vector<events::record> records, append_callback done);

  /// Builds and sends one command with a fresh id; fire and forget. The
  /// commands sent for one entity reach the log in the order they were sent
  /// (a host's progress reports each continue the last), and one that is
  /// refused for a passing reason (a round aborted or fenced) is sent again,
  /// the same record -- the same command id, so decided once however often
  /// it arrives -- before any later one for its entity. Anything else stops
  /// the daemon (the log writer says why); a restarted agent makes its
  /// reports again from the durable state.
  void send(const services::issued_command& c);
  /// The same for several commands at once (one signature between them).
  void send_all(std::vector<services::issued_command> commands);

private:
  /// Signs what is pending, round after round, until nothing is.
  void sign_pending();
  /// Submits the head of `key`'s queue (mutex_ not held).
  void send_head(const std::string& key);

  log_writer& writer_;
  topics names_;
  std::int32_t partitions_;
  std::string producer_;
  std::mutex pending_mutex_;
  std::vector<services::issued_command> pending_;  // pending_mutex_: sent, not signed yet
  bool signing_ = false;                           // pending_mutex_: a thread is in sign_pending
  std::mutex mutex_;
  /// Per entity ("kind/id"): commands not yet durable; the head is in flight.
  std::map<std::string, std::deque<events::record>> queues_;  // mutex_
};

/// The id of the INDEX-th command issued by REACTOR for the event EVENT_ID:
/// the same on every replay, so a repeated reaction is a duplicate.
[[nodiscard]] std::array<std::uint8_t, 16> reaction_command_id(const std::array<std::uint8_t, 16>& event_id,
                                                               std::string_view reactor, std::size_t index);

} // namespace storemesh::actors
