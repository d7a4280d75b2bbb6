#pragma once
// What the intake lets in: a command record that is whole, of a known type
// and kind, signed by a trusted key, keyed by its entity, and not a replay of
// a command already refused. Everything else is refused with a code and a
// reason (it goes to the rejected topic and changes nothing). Pure over its
// inputs: the daemon's intake (actors/command_intake.cpp) and the simulator
// (sim/world.cpp) run the same checks.

#include "actors/core/command_record.hpp"
#include "actors/indexes.hpp"
#include "events/crypto/trusted_keys.hpp"
#include "events/crypto/verified_roots.hpp"
#include "events/event_log.hpp"

#include <array>
#include <memory>
#include <string>

namespace storemesh::actors {

struct admission {
  std::shared_ptr<command_record> command;  ///< admitted (topic, partition, offset and tenure left to the caller)
  std::string code, reason;                 ///< refused
  std::string kind, id;
  std::array<std::uint8_t, 16> command_id{};
  bool redelivered = false;                 ///< its refusal is already in the log
};

/// Thread-safe (the intake checks a batch on all its threads at once).
/// `roots`: batch roots already verified, shared by those threads.
[[nodiscard]] admission admit_command(const rejected_index& rejected, const events::crypto::trusted_keys& trusted,
                                      events::crypto::verified_roots* roots, partition_id p,
                                      const events::record_view& r);

} // namespace storemesh::actors
