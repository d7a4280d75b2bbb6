#pragma once
// What every actor of one daemon shares. Owned by the daemon, which outlives
// its actor system.

#include "actors/blocking_pool.hpp"
#include "actors/completion_tracker.hpp"
#include "actors/fleet_board.hpp"
#include "actors/indexes.hpp"
#include "actors/log_writer.hpp"
#include "actors/partition_ownership.hpp"
#include "actors/restored_images.hpp"
#include "actors/topics.hpp"
#include "events/event_log.hpp"
#include "events/partition_group.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace storemesh::actors {

struct runtime_context {
  events::event_log* log = nullptr;
  topics names;
  log_writer* writer = nullptr;
  completion_tracker* tracker = nullptr;
  rejected_index* rejected = nullptr;
  snapshot_index* snapshots = nullptr;
  entity_index* entities = nullptr;  ///< optional: without it recovery scans from offset 0
  /// Images restored by a takeover, for entity actors to take (optional:
  /// without it every entity recovers on its own, recover_entity).
  restored_images* restored = nullptr;
  blocking_pool* pool = nullptr;
  fleet_board* fleet = nullptr;      ///< hosts and where jobs run, for deciders that span entities
  std::string producer;
  // Partition counts, read once at start: a topic keeps its count, and a
  // KafkaLog would pay a metadata round trip per lookup.
  std::int32_t event_partitions = 1;
  std::int32_t rejected_partitions = 1;
  std::int32_t snapshot_partitions = 1;
  std::uint64_t snapshot_every = 1000;          ///< events between two snapshots of an entity
  std::chrono::milliseconds idle_after{30000};  ///< an entity idle this long is passivated
  /// How long an entity remembers decided command ids; older commands are refused as expired.
  std::chrono::nanoseconds dedup_window = std::chrono::hours(24);
  /// At most this many command ids per entity (processed_commands.hpp): with
  /// ~40 bytes each in a snapshot, 8192 leave room for a 512 KiB state in a
  /// record under Kafka's 1 MiB.
  std::size_t dedup_max_ids = 8192;
  std::atomic<bool>* fatal = nullptr;           ///< set when the log refuses an append
  /// Set when the log refused an append as fenced (the group had moved on
  /// without this daemon): the intake reloads its partitions from their
  /// committed positions instead of stopping the daemon.
  std::atomic<bool>* fenced = nullptr;
  /// The partitions this daemon owns (optional: without it, all of them).
  const partition_ownership* ownership = nullptr;
  /// The group that gives this daemon its partitions, and the tenure of each
  /// (optional: without it, every partition, one tenure).
  const events::partition_group* group = nullptr;
};

} // namespace storemesh::actors
