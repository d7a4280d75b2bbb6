#pragma once
// Commands the daemon issues itself: process-manager reactions and host
// agents' reports. Signed with the daemon's key (which the daemon trusts) and
// appended to the commands topic through the log writer, so they take the
// same road as an operator's command: intake, signature check, dedup by id.

#include "actors/log_writer.hpp"
#include "actors/records.hpp"
#include "services/reaction.hpp"

#include <array>
#include <cstdint>
#include <string>

namespace storemesh::actors {

class command_sink {
public:
  command_sink(log_writer& writer, topics names, std::int32_t command_partitions, std::string producer)
      : writer_(writer), names_(std::move(names)), partitions_(command_partitions), producer_(std::move(producer)) {}

  /// The command's record: id, cause and correlation as given.
  [[nodiscard]] result<events::record> build(const services::issued_command& c, const std::array<std::uint8_t, 16>& id,
                                             std::string causation_id = {}, std::string correlation_id = {}) const;

  /// Appends records (keyed by entity id) in order per key; `done` runs once
  /// they are durable.
  void submit(std::vector<events::record> records, append_callback done);

  /// Builds and submits one command with a fresh id; fire and forget (a lost
  /// report is made again from durable state after a restart).
  void send(const services::issued_command& c);

private:
  /// Submits `rec`; an append refused as fenced (aborted whole: the group
  /// moved on while it was in flight) is submitted again, the same record,
  /// so the same command id: an entity decides it once however often it
  /// arrives. The writer's next rounds carry the generation the intake
  /// learns at its next poll.
  void send_record(events::record rec, std::string kind, std::string id, int attempts_left);

  log_writer& writer_;
  topics names_;
  std::int32_t partitions_;
  std::string producer_;
};

/// The id of the INDEX-th command issued by REACTOR for the event EVENT_ID:
/// the same on every replay, so a repeated reaction is a duplicate.
[[nodiscard]] std::array<std::uint8_t, 16> reaction_command_id(const std::array<std::uint8_t, 16>& event_id,
                                                               std::string_view reactor, std::size_t index);

} // namespace storemesh::actors
