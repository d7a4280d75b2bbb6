#pragma once
// Copy-job messages <-> their Cap'n Proto form (schemas/copy_job.capnp), and
// the entity description the runtime needs (actors/entity_actor.hpp).

#include "events/error.hpp"
#include "schemas/envelope.capnp.h"
#include "services/migration/copy_job.hpp"

#include <string>
#include <string_view>

namespace storemesh::services::copy_job {

struct entity {
  using state_type = copy_job::state;
  using command_type = copy_job::command;
  using event_type = copy_job::event;

  static constexpr std::string_view kind = "copy_job";
  /// decide() reads the fleet view (actors/fleet_board.hpp).
  static constexpr bool uses_fleet = true;

  static bool is_command(schema::Envelope::Reader e) { return e.getPayload().isCopyJobCommand(); }
  static bool is_event(schema::Envelope::Reader e) { return e.getPayload().isCopyJobEvent(); }

  static void write_command(const command& c, schema::Envelope::Builder e);
  [[nodiscard]] static result<command> read_command(schema::Envelope::Reader e);
  static void write_event(const event& ev, schema::Envelope::Builder e);
  [[nodiscard]] static result<event> read_event(schema::Envelope::Reader e);
  [[nodiscard]] static std::string write_state(const state& s);
  [[nodiscard]] static result<state> read_state(std::string_view bytes);

  static state evolve(state s, const event& e) { return copy_job::evolve(std::move(s), e); }
  static decision<event> decide(const state& s, const command& c, const fleet::view& f) {
    return copy_job::decide(s, c, f);
  }
  /// What the fleet view learns from this job's state: where it runs, or
  /// that it waits between hosts; what the rebalancer needs to move it.
  static void publish(fleet::view& f, const std::string& id, const state& s) {
    f.put_job(id, s.finished() ? std::string() : s.host);
    f.put_waiting(id, s.status == job_status::stopping && s.portion_done);
    if (s.finished() || s.status == job_status::none) {
      f.put_job_details(id, std::nullopt);
      return;
    }
    // A finalizing job cannot move (a migration is refused): as good as migrating.
    f.put_job_details(id, fleet::job_entry{s.source.datastore, s.destination.datastore,
                                           s.status == job_status::stopping || s.status == job_status::finalizing,
                                           s.started,
                                           s.started && s.size > s.offset ? s.size - s.offset : 0});
  }
};

} // namespace storemesh::services::copy_job
