#pragma once
// Access server messages <-> their Cap'n Proto form (schemas/access.capnp),
// and the entity description the runtime needs (actors/entity_actor.hpp). A
// record that fails to read (a malformed pointer, an enum value this build
// does not know) is an error value, never an exception.

#include "events/error.hpp"
#include "schemas/envelope.capnp.h"
#include "services/access/access_server.hpp"

#include <string>
#include <string_view>

namespace storemesh::services::access {

struct entity {
  using state_type = access::state;
  using command_type = access::command;
  using event_type = access::event;

  static constexpr std::string_view kind = "access_server";

  static bool is_command(schema::Envelope::Reader e) { return e.getPayload().isAccessServerCommand(); }
  static bool is_event(schema::Envelope::Reader e) { return e.getPayload().isAccessServerEvent(); }

  static void write_command(const command& c, schema::Envelope::Builder e);
  [[nodiscard]] static result<command> read_command(schema::Envelope::Reader e);
  static void write_event(const event& ev, schema::Envelope::Builder e);
  [[nodiscard]] static result<event> read_event(schema::Envelope::Reader e);
  [[nodiscard]] static std::string write_state(const state& s);
  [[nodiscard]] static result<state> read_state(std::string_view bytes);

  static state evolve(state s, const event& e) { return access::evolve(std::move(s), e); }
  static decision<event> decide(const state& s, const command& c) { return access::decide(s, c); }
};

} // namespace storemesh::services::access
