#pragma once
// Appends signed commands for the coordination processes (management servers,
// nodes, the director): the same record the CLI writes, with an id the caller
// chooses, so that a request retried on another server, or a report sent
// again, is the same command and decided once. Thread-safe; owns its log
// handle (the processes read the log on another thread, with another handle).

#include "actors/topics.hpp"
#include "events/crypto/keys.hpp"
#include "events/event_log.hpp"
#include "schemas/envelope.capnp.h"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace storemesh::actors::coordination {

class command_writer {
public:
  command_writer(std::unique_ptr<events::event_log> log, topics names, events::crypto::key_pair key,
                 std::string producer);

  /// A fresh random command id.
  [[nodiscard]] static std::array<std::uint8_t, 16> new_id();

  /// Appends the command; its offset in the commands partition (events and
  /// rejections it causes carry it as commandOffset, which tells the outcome
  /// of this append from that of an earlier one with the same id).
  [[nodiscard]] result<std::int64_t> submit(std::string_view kind, std::string_view entity_id,
                                    const std::array<std::uint8_t, 16>& id,
                                    const std::function<void(schema::Envelope::Builder)>& fill);

  /// The log's end offset of (topic, partition of key): where a replica must
  /// have applied to be at the head.
  [[nodiscard]] result<std::int64_t> head(std::string_view topic, std::string_view key);

private:
  std::mutex mutex_;
  std::unique_ptr<events::event_log> log_;
  topics names_;
  events::crypto::key_pair key_;
  std::string producer_;
  bool topics_ready_ = false;
};

} // namespace storemesh::actors::coordination
