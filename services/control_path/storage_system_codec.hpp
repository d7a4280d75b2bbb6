#pragma once
// Storage system and control host messages <-> their Cap'n Proto form
// (schemas/storage.capnp), and the entity descriptions the runtime needs
// (actors/entity_actor.hpp). A record that fails to read is an error value,
// never an exception.

#include "events/error.hpp"
#include "schemas/envelope.capnp.h"
#include "services/control_path/control_host.hpp"
#include "services/control_path/storage_system.hpp"

#include <string>
#include <string_view>

namespace storemesh::services::storage {

struct entity {
  using state_type = storage::state;
  using command_type = storage::command;
  using event_type = storage::event;

  static constexpr std::string_view kind = "storage";

  static bool is_command(schema::Envelope::Reader e) { return e.getPayload().isStorageCommand(); }
  static bool is_event(schema::Envelope::Reader e) { return e.getPayload().isStorageEvent(); }

  static void write_command(const command& c, schema::Envelope::Builder e);
  [[nodiscard]] static result<command> read_command(schema::Envelope::Reader e);
  static void write_event(const event& ev, schema::Envelope::Builder e);
  [[nodiscard]] static result<event> read_event(schema::Envelope::Reader e);
  [[nodiscard]] static std::string write_state(const state& s);
  [[nodiscard]] static result<state> read_state(std::string_view bytes);

  static state evolve(state s, const event& e) { return storage::evolve(std::move(s), e); }
  static decision<event> decide(const state& s, const command& c) { return storage::decide(s, c); }
};

} // namespace storemesh::services::storage

namespace storemesh::services::control_host {

struct entity {
  using state_type = control_host::state;
  using command_type = control_host::command;
  using event_type = control_host::event;

  static constexpr std::string_view kind = "control_host";

  static bool is_command(schema::Envelope::Reader e) { return e.getPayload().isControlHostCommand(); }
  static bool is_event(schema::Envelope::Reader e) { return e.getPayload().isControlHostEvent(); }

  static void write_command(const command& c, schema::Envelope::Builder e);
  [[nodiscard]] static result<command> read_command(schema::Envelope::Reader e);
  static void write_event(const event& ev, schema::Envelope::Builder e);
  [[nodiscard]] static result<event> read_event(schema::Envelope::Reader e);
  [[nodiscard]] static std::string write_state(const state& s);
  [[nodiscard]] static result<state> read_state(std::string_view bytes);

  static state evolve(state s, const event& e) { return control_host::evolve(std::move(s), e); }
  static decision<event> decide(const state& s, const command& c) { return control_host::decide(s, c); }
};

} // namespace storemesh::services::control_host
