#pragma once
// Content messages <-> their Cap'n Proto form (schemas/delivery.capnp), and the
// entity description the runtime needs (actors/entity_actor.hpp). A record
// that fails to read (a malformed pointer, a union member or enum value this
// build does not know) is an error value, never an exception.

#include "events/error.hpp"
#include "schemas/envelope.capnp.h"
#include "services/delivery/content.hpp"

#include <string>
#include <string_view>

namespace storemesh::services::delivery::content {

struct entity {
  using state_type = content::state;
  using command_type = content::command;
  using event_type = content::event;

  static constexpr std::string_view kind = "content";

  static bool is_command(schema::Envelope::Reader e) { return e.getPayload().isContentCommand(); }
  static bool is_event(schema::Envelope::Reader e) { return e.getPayload().isContentEvent(); }

  static void write_command(const command& c, schema::Envelope::Builder e);
  [[nodiscard]] static result<command> read_command(schema::Envelope::Reader e);
  static void write_event(const event& ev, schema::Envelope::Builder e);
  [[nodiscard]] static result<event> read_event(schema::Envelope::Reader e);
  [[nodiscard]] static std::string write_state(const state& s);
  [[nodiscard]] static result<state> read_state(std::string_view bytes);

  static state evolve(state s, const event& e) { return content::evolve(std::move(s), e); }
  static decision<event> decide(const state& s, const command& c) { return content::decide(s, c); }
};

} // namespace storemesh::services::delivery::content
