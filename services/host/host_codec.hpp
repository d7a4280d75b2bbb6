#pragma once
// Host messages <-> their Cap'n Proto form (schemas/host.capnp), and the
// entity description the runtime needs (actors/entity_actor.hpp).

#include "events/error.hpp"
#include "schemas/envelope.capnp.h"
#include "services/fleet/fleet.hpp"
#include "services/host/host.hpp"

#include <string>
#include <string_view>

namespace storemesh::services::host {

struct entity {
  using state_type = host::state;
  using command_type = host::command;
  using event_type = host::event;

  /// Entity kind in envelopes, and the module suffix of its events topic.
  static constexpr std::string_view kind = "host";

  static bool is_command(schema::Envelope::Reader e) { return e.getPayload().isHostCommand(); }
  static bool is_event(schema::Envelope::Reader e) { return e.getPayload().isHostEvent(); }

  static void write_command(const command& c, schema::Envelope::Builder e);
  [[nodiscard]] static result<command> read_command(schema::Envelope::Reader e);
  static void write_event(const event& ev, schema::Envelope::Builder e);
  [[nodiscard]] static result<event> read_event(schema::Envelope::Reader e);
  [[nodiscard]] static std::string write_state(const state& s);
  [[nodiscard]] static result<state> read_state(std::string_view bytes);

  static state evolve(state s, const event& e) { return host::evolve(std::move(s), e); }
  static decision<event> decide(const state& s, const command& c) { return host::decide(s, c); }
  /// What the fleet view learns from a host's state: status and datastores.
  static void publish(fleet::view& f, const std::string& id, const state& s) { f.put_host(id, s); }
};

} // namespace storemesh::services::host
