#pragma once
// Recovery of one entity: its latest snapshot (if any), then the replay of its
// events after it. Blocking (it reads the log): run it on the blocking pool.

#include "actors/entity_fold.hpp"
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

template <class Entity>
[[nodiscard]] result<entity_image<Entity>> recover_entity(const runtime_context& ctx, const std::string& id) {
  entity_image<Entity> image;
  const auto topic = ctx.names.events(Entity::kind);
  const auto p = events::partition_for(id, ctx.event_partitions);
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
  SM_TRY(auto reader, ctx.log->read(topic, p, from));
  std::vector<events::record_view> batch;
  for (;;) {
    batch.clear();
    SM_TRY(auto n, reader->poll(batch));
    if (n == 0)
      break;
    for (const auto& r : batch) {
      if (r.key != id)
        continue;
      SM_TRY(auto env, events::envelope::decoded_envelope::decode(r.value));
      if (env.entity_kind() != Entity::kind)
        continue;  // a seal whose producer name equals this id
      SM_TRYV(fold_event(image, env.reader(), r.value, r.off.value));
    }
  }
  return image;
}

} // namespace storemesh::actors
