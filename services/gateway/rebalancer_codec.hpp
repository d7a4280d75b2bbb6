#pragma once
// Rebalancer messages <-> their Cap'n Proto form (schemas/rebalancer.capnp),
// and the entity description the runtime needs (actors/entity_actor.hpp).

#include "events/error.hpp"
#include "schemas/envelope.capnp.h"
#include "services/gateway/rebalancer.hpp"

#include <string>
#include <string_view>

namespace storemesh::services::rebalancer {

struct entity {
  using state_type = rebalancer::state;
  using command_type = rebalancer::command;
  using event_type = rebalancer::event;

  static constexpr std::string_view kind = "rebalancer";
  /// decide() reads the site's gateways and jobs from the fleet view.
  static constexpr bool uses_fleet = true;

  static bool is_command(schema::Envelope::Reader e) { return e.getPayload().isRebalancerCommand(); }
  static bool is_event(schema::Envelope::Reader e) { return e.getPayload().isRebalancerEvent(); }

  static void write_command(const command& c, schema::Envelope::Builder e);
  [[nodiscard]] static result<command> read_command(schema::Envelope::Reader e);
  static void write_event(const event& ev, schema::Envelope::Builder e);
  [[nodiscard]] static result<event> read_event(schema::Envelope::Reader e);
  [[nodiscard]] static std::string write_state(const state& s);
  [[nodiscard]] static result<state> read_state(std::string_view bytes);

  static state evolve(state s, const event& e) { return rebalancer::evolve(std::move(s), e); }
  static decision<event> decide(const state& s, const command& c, const fleet::view& f) {
    return rebalancer::decide(s, c, f);
  }
  /// What reactions and agents learn: the settings (report interval, evaluation
  /// interval), when it last evaluated, and which jobs it is moving.
  static void publish(fleet::view& f, const std::string& id, const state& s) {
    fleet::rebalancer_entry r;
    r.config = s.config;
    r.evaluations = s.evaluations;
    r.last_evaluated_ns = s.last_evaluated_ns;
    for (const auto& [job, m] : s.pending)
      r.pending.insert(job);
    f.put_rebalancer(id, std::move(r));
  }
};

} // namespace storemesh::services::rebalancer
