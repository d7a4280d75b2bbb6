#pragma once
// Kv messages <-> their Cap'n Proto form (schemas/kv.capnp), and the entity
// description the runtime needs (actors/entity_actor.hpp).
//
// Reading never trusts the bytes: keys are taken with their length (a NUL
// inside a Text is kept, so the decider refuses it rather than a truncated
// key passing), and what an event or a snapshot holds is checked against the
// limits the decider enforces (key and value sizes, sorted lists), so that a
// forged or corrupt record is an error value, never a state decide could not
// have made.

#include "events/error.hpp"
#include "schemas/envelope.capnp.h"
#include "services/tunnels/coordination/kv_space.hpp"

#include <string>
#include <string_view>

namespace storemesh::services::kv {

struct entity {
  using state_type = kv::state;
  using command_type = kv::command;
  using event_type = kv::event;

  /// Entity kind in envelopes, and the module suffix of its events topic.
  static constexpr std::string_view kind = "kv";

  static bool is_command(schema::Envelope::Reader e) { return e.getPayload().isKvCommand(); }
  static bool is_event(schema::Envelope::Reader e) { return e.getPayload().isKvEvent(); }

  static void write_command(const command& c, schema::Envelope::Builder e);
  [[nodiscard]] static result<command> read_command(schema::Envelope::Reader e);
  static void write_event(const event& ev, schema::Envelope::Builder e);
  [[nodiscard]] static result<event> read_event(schema::Envelope::Reader e);
  [[nodiscard]] static std::string write_state(const state& s);
  [[nodiscard]] static result<state> read_state(std::string_view bytes);

  static state evolve(state s, const event& e) { return kv::evolve(std::move(s), e); }
  static decision<event> decide(const state& s, const command& c) { return kv::decide(s, c); }
};

} // namespace storemesh::services::kv
