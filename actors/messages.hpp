#pragma once
// What actors send each other. All local: CAF never serialises these.

#include "actors/core/command_record.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/error.hpp"
#include "events/strong_types.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace storemesh::actors {



/// From the blocking pool to an entity: its recovered image, or why not.
struct recovery_done {
  std::shared_ptr<void> image;  ///< entity_image<Entity>
  std::string failure;
  bool passes = false;  ///< the failure passes by itself (no broker answered in time): try again
};

/// From the log writer to an entity.
struct append_done {
  std::shared_ptr<result<std::vector<offset>>> outcome;
};

/// From an idle entity to the router.
struct passivate_request {
  std::string key;
};

/// From the intake to the router: these command partitions moved to another
/// daemon (their in-flight commands are done); stop their entities, so that
/// nothing here decides for them any more.
/// Commands in the order they were read: from the intake to the router (a
/// poll's worth), from the router to an entity (that poll's commands for
/// it). A message per command was three mailbox hand-offs per command.
struct command_batch {
  std::vector<command_ptr> commands;
};

struct release_partitions {
  std::vector<std::int32_t> partitions;
};

using stop_atom = caf::atom_constant<caf::atom("stop")>;
using idle_check_atom = caf::atom_constant<caf::atom("idlecheck")>;
using recover_again_atom = caf::atom_constant<caf::atom("recagain")>;
/// To the router: drop the takeovers' restored images that are past their
/// hold or their tenure (restored_images::expire).
using restore_sweep_atom = caf::atom_constant<caf::atom("rsweep")>;

} // namespace storemesh::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(storemesh::actors::command_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(storemesh::actors::recovery_done)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(storemesh::actors::append_done)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(storemesh::actors::passivate_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(storemesh::actors::release_partitions)
