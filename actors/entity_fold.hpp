#pragma once
// Folding an entity's event records into its state, with the checks that make
// a replay trustworthy: sequence continuity and the hash chain. One piece of
// code serves recovery (entity_recovery.hpp), the audit and the read models.

#include "actors/processed_commands.hpp"
#include "actors/runtime_errc.hpp"
#include "events/crypto/hashing.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "schemas/envelope.capnp.h"

#include <cstdint>
#include <string>
#include <unordered_map>

namespace storemesh::actors {

template <class Entity>
struct entity_image {
  typename Entity::state_type state{};
  std::uint64_t seq = 0;                 ///< last event folded in (0: none)
  events::crypto::digest last_hash{};    ///< its record hash; zeros before the first
  std::int64_t last_event_offset = -1;
  processed_commands processed;          ///< command ids decided, within the dedup window
  std::uint64_t since_snapshot = 0;
};

/// Folds one event record (`value` as stored, `env` its decoded envelope).
template <class Entity>
[[nodiscard]] result<void> fold_event(entity_image<Entity>& image, schema::Envelope::Reader env,
                                      std::string_view value, std::int64_t at) {
  using events::envelope::as_string_view;
  if (env.getSequence() != image.seq + 1)
    return make_error(runtime_errc::sequence_gap, "event at offset " + std::to_string(at) + " has sequence " +
                                                      std::to_string(env.getSequence()) + ", expected " +
                                                      std::to_string(image.seq + 1));
  if (!env.getIntegrity().isEvent())
    return make_error(runtime_errc::broken_chain, "event at offset " + std::to_string(at) + " carries no hash link");
  const auto prev = as_string_view(env.getIntegrity().getEvent().getPrevHash());
  if (prev != std::string_view(reinterpret_cast<const char*>(image.last_hash.data()), image.last_hash.size()))
    return make_error(runtime_errc::broken_chain,
                      "event at offset " + std::to_string(at) + " does not link to the entity's previous event");
  SM_TRY(auto event, Entity::read_event(env));
  image.state = Entity::evolve(std::move(image.state), event);
  image.seq = env.getSequence();
  image.last_hash = events::crypto::record_hash(value);
  image.last_event_offset = at;
  image.processed.add(std::string(as_string_view(env.getCausationId())), env.getCommandOffset(),
                      env.getTimestampNs());
  ++image.since_snapshot;
  return success();
}

} // namespace storemesh::actors
