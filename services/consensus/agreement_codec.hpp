#pragma once
// Topology messages <-> their Cap'n Proto form (schemas/consensus.capnp), and
// the entity description the runtime needs (actors/entity_actor.hpp). A record
// that fails to read is an error value, never an exception.

#include "events/error.hpp"
#include "schemas/envelope.capnp.h"
#include "services/consensus/agreement.hpp"

#include <string>
#include <string_view>

namespace storemesh::services::topology {

struct entity {
  using state_type = topology::state;
  using command_type = topology::command;
  using event_type = topology::event;

  /// Entity kind in envelopes, and the module suffix of its events topic.
  static constexpr std::string_view kind = "topology";

  static bool is_command(schema::Envelope::Reader e) { return e.getPayload().isTopologyCommand(); }
  static bool is_event(schema::Envelope::Reader e) { return e.getPayload().isTopologyEvent(); }

  static void write_command(const command& c, schema::Envelope::Builder e);
  [[nodiscard]] static result<command> read_command(schema::Envelope::Reader e);
  static void write_event(const event& ev, schema::Envelope::Builder e);
  [[nodiscard]] static result<event> read_event(schema::Envelope::Reader e);
  [[nodiscard]] static std::string write_state(const state& s);
  [[nodiscard]] static result<state> read_state(std::string_view bytes);

  static state evolve(state s, const event& e) { return topology::evolve(std::move(s), e); }
  static decision<event> decide(const state& s, const command& c) { return topology::decide(s, c); }
};

} // namespace storemesh::services::topology
