#pragma once
// Recovery of one entity: its latest snapshot (if any), then the replay of its
// events after it. Blocking (it reads the log): run it on the blocking pool.

#include "actors/entity_fold.hpp"
#include "actors/event_replay.hpp"
#include "actors/runtime_context.hpp"
#include "actors/snapshot_image.hpp"
#include "events/envelope/decoded_envelope.hpp"

#include <string>
#include <vector>

namespace storemesh::actors {

/// The single record at `at` of a partition.
template <class F>
[[nodiscard]] result<void> with_record_at(events::event_log& log, const std::string& topic, partition_id p,
                                          offset at, F&& f) {
  SM_TRY(auto reader, log.read(topic, p, at));
  std::vector<events::record_view> batch;
  SM_TRY(auto n, reader->poll(batch, 1));
  if (n == 0 || batch.front().off != at)
    return make_error(runtime_errc::bad_snapshot, topic + " has no record at offset " + std::to_string(at.value));
  return f(batch.front());
}

template <class Entity>
[[nodiscard]] result<entity_image<Entity>> read_snapshot(const runtime_context& ctx, const std::string& id,
                                                         snapshot_location where) {
  entity_image<Entity> image;
  auto status = with_record_at(*ctx.log, ctx.names.snapshots(), where.partition, where.at,
                               [&](const events::record_view& r) -> result<void> {
    SM_TRY(image, image_of_snapshot<Entity>(id, r.value));
    return success();
  });
  if (!status)
    return status.error();
  return image;
}

/// The image of one entity as the log holds it. A partition's entities are
/// restored together by restore_partition (partition_restore.hpp), in one
/// pass instead of one per entity; this is for one entity outside a
/// takeover: a passivated entity coming back, one the restore left out, the
/// simulator's, the audit's.
template <class Entity>
[[nodiscard]] result<entity_image<Entity>> recover_entity(const runtime_context& ctx, const std::string& id) {
  entity_image<Entity> image;
  offset from{0};
  if (auto where = ctx.snapshots->find(std::string(Entity::kind), id)) {
    SM_TRY(image, read_snapshot<Entity>(ctx, id, *where));
    from = offset{image.last_event_offset + 1};
  } else if (ctx.entities != nullptr) {
    auto first = ctx.entities->first_event(std::string(Entity::kind), id);
    if (!first)
      return image;  // no history: a new entity
    from = *first;
  }
  struct one_entity {
    const std::string& id;
    entity_image<Entity>& image;
    bool wants(std::string_view key, offset) const { return key == id; }
    entity_image<Entity>* image_of(std::string_view) { return &image; }
    result<void> failed(std::string_view, error e) { return boost::outcome_v2::failure(std::move(e)); }
  } sink{id, image};
  SM_TRYV(replay_events<Entity>(*ctx.log, ctx.names.events(Entity::kind),
                                events::partition_for(id, ctx.event_partitions), from, sink));
  return image;
}

} // namespace storemesh::actors
