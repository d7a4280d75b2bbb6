#pragma once
// A command as the intake admitted it: what an entity decides.

#include "events/envelope/decoded_envelope.hpp"
#include "events/strong_types.hpp"

#include <memory>
#include <optional>
#include <string>

namespace storemesh::actors {

/// A verified command as read from the commands topic.
struct command_record {
  std::string bytes;
  std::optional<events::envelope::decoded_envelope> env;  ///< views `bytes` or owns a copy
  std::string topic;
  partition_id partition;
  offset at;
  /// The tenure of `partition` it was read under: only an entity actor of
  /// that tenure decides it (partition_group.hpp, Fencing).
  ownership_epoch epoch;
};

using command_ptr = std::shared_ptr<const command_record>;

} // namespace storemesh::actors
