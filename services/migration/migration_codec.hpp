#pragma once
// Migration messages <-> their Cap'n Proto form (schemas/migration.capnp),
// and the entity description the runtime needs.

#include "events/error.hpp"
#include "schemas/envelope.capnp.h"
#include "services/migration/migration.hpp"

#include <string>
#include <string_view>

namespace storemesh::services::migration {

struct entity {
  using state_type = migration::state;
  using command_type = migration::command;
  using event_type = migration::event;

  static constexpr std::string_view kind = "migration";

  static bool is_command(schema::Envelope::Reader e) { return e.getPayload().isMigrationCommand(); }
  static bool is_event(schema::Envelope::Reader e) { return e.getPayload().isMigrationEvent(); }

  static void write_command(const command& c, schema::Envelope::Builder e);
  [[nodiscard]] static result<command> read_command(schema::Envelope::Reader e);
  static void write_event(const event& ev, schema::Envelope::Builder e);
  [[nodiscard]] static result<event> read_event(schema::Envelope::Reader e);
  [[nodiscard]] static std::string write_state(const state& s);
  [[nodiscard]] static result<state> read_state(std::string_view bytes);

  static state evolve(state s, const event& e) { return migration::evolve(std::move(s), e); }
  static decision<event> decide(const state& s, const command& c) { return migration::decide(s, c); }
};

} // namespace storemesh::services::migration
