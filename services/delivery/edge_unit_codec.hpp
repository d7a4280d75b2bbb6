#pragma once
// Edge unit messages <-> their Cap'n Proto form (schemas/delivery.capnp), and the
// entity description the runtime needs (actors/entity_actor.hpp). A record
// that fails to read (a malformed pointer, a union member or enum value this
// build does not know) is an error value, never an exception.

#include "events/error.hpp"
#include "schemas/envelope.capnp.h"
#include "services/delivery/edge_unit.hpp"

#include <string>
#include <string_view>

namespace storemesh::services::delivery::edge_unit {

struct entity {
  using state_type = edge_unit::state;
  using command_type = edge_unit::command;
  using event_type = edge_unit::event;

  static constexpr std::string_view kind = "edge_unit";

  static bool is_command(schema::Envelope::Reader e) { return e.getPayload().isEdgeUnitCommand(); }
  static bool is_event(schema::Envelope::Reader e) { return e.getPayload().isEdgeUnitEvent(); }

  static void write_command(const command& c, schema::Envelope::Builder e);
  [[nodiscard]] static result<command> read_command(schema::Envelope::Reader e);
  static void write_event(const event& ev, schema::Envelope::Builder e);
  [[nodiscard]] static result<event> read_event(schema::Envelope::Reader e);
  [[nodiscard]] static std::string write_state(const state& s);
  [[nodiscard]] static result<state> read_state(std::string_view bytes);

  static state evolve(state s, const event& e) { return edge_unit::evolve(std::move(s), e); }
  static decision<event> decide(const state& s, const command& c) { return edge_unit::decide(s, c); }
};

} // namespace storemesh::services::delivery::edge_unit
