#pragma once
// The one loop that folds an events partition into entity images. Two callers
// share it: the recovery of one entity (entity_recovery.hpp), which wants one
// key, and the restore of a partition (partition_restore.hpp), which wants
// every key of the partition; what each wants and what a fault costs is the
// sink's to say, the checks on each event (fold_event) are the same.
//
// A sink answers:
//   bool wants(std::string_view key, offset at)      before decoding: skip cheaply
//   entity_image<Entity>* image_of(std::string_view key)   where the event goes
//   result<void> failed(std::string_view key, error e)     an event of that key did
//       not decode or fold: an error stops the replay with it, success goes on
//       without that key (the sink must not want it again).
// Blocking (it reads the log).

#include "actors/entity_fold.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/event_log.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace storemesh::actors {

/// Reads `topic`/p from `from` to its end and folds what `sink` wants.
/// Returns how many records it read.
template <class Entity, class Sink>
[[nodiscard]] result<std::uint64_t> replay_events(events::event_log& log, const std::string& topic, partition_id p,
                                                  offset from, Sink& sink) {
  SM_TRY(auto reader, log.read(topic, p, from));
  std::vector<events::record_view> batch;
  std::uint64_t read = 0;
  for (;;) {
    batch.clear();
    SM_TRY(auto n, reader->poll(batch));
    if (n == 0)
      return read;
    read += n;
    for (const auto& r : batch) {
      if (!sink.wants(r.key, r.off))
        continue;
      auto env = events::envelope::decoded_envelope::decode(r.value);
      if (!env) {
        SM_TRYV(sink.failed(r.key, std::move(env).error()));
        continue;
      }
      if (env.value().entity_kind() != Entity::kind)
        continue;  // a seal whose producer is named like the entity
      auto* image = sink.image_of(r.key);
      if (image == nullptr)
        continue;
      if (auto folded = fold_event(*image, env.value().reader(), r.value, r.off.value); !folded)
        SM_TRYV(sink.failed(r.key, std::move(folded).error()));
    }
  }
}

} // namespace storemesh::actors
