#pragma once
// Cluster messages <-> their Cap'n Proto form (schemas/cluster.capnp), and the
// entity description the runtime needs (actors/entity_actor.hpp).
//
// Reading checks what the schema cannot: a key is exactly 32 bytes, an enum
// value is one this build knows. A record that fails is an error value, never
// an exception and never a half-read message.

#include "events/error.hpp"
#include "schemas/envelope.capnp.h"
#include "services/tunnels/quorum/cluster.hpp"

#include <string>
#include <string_view>

namespace storemesh::services::cluster {

struct entity {
  using state_type = cluster::state;
  using command_type = cluster::command;
  using event_type = cluster::event;

  /// Entity kind in envelopes, and the module suffix of its events topic.
  static constexpr std::string_view kind = "cluster";

  static bool is_command(schema::Envelope::Reader e) { return e.getPayload().isClusterCommand(); }
  static bool is_event(schema::Envelope::Reader e) { return e.getPayload().isClusterEvent(); }

  static void write_command(const command& c, schema::Envelope::Builder e);
  [[nodiscard]] static result<command> read_command(schema::Envelope::Reader e);
  static void write_event(const event& ev, schema::Envelope::Builder e);
  [[nodiscard]] static result<event> read_event(schema::Envelope::Reader e);
  [[nodiscard]] static std::string write_state(const state& s);
  [[nodiscard]] static result<state> read_state(std::string_view bytes);

  static state evolve(state s, const event& e) { return cluster::evolve(std::move(s), e); }
  static decision<event> decide(const state& s, const command& c) { return cluster::decide(s, c); }
};

} // namespace storemesh::services::cluster
