#pragma once
// An entity's image rebuilt from one snapshot record, as recovery starts it
// (entity_recovery.hpp) before replaying the events after it. Apart from the
// log read, so that what recovery does with the bytes can be measured
// (bench_sim_scale) and tested on its own.

#include "actors/entity_fold.hpp"
#include "actors/runtime_errc.hpp"
#include "events/envelope/decoded_envelope.hpp"

#include <algorithm>
#include <string>
#include <string_view>

namespace storemesh::actors {

/// The image of entity `id` that the snapshot record `value` holds. Errors
/// (bad_snapshot): not a snapshot, another entity's, a hash of the wrong
/// length; or the envelope's or the state's decoding error.
template <class Entity>
[[nodiscard]] result<entity_image<Entity>> image_of_snapshot(const std::string& id, std::string_view value) {
  using events::envelope::as_string_view;
  SM_TRY(auto env, events::envelope::decoded_envelope::decode(value));
  auto root = env.reader();
  if (!root.getPayload().isSnapshot())
    return make_error(runtime_errc::bad_snapshot, "record is not a snapshot");
  auto s = root.getPayload().getSnapshot();
  if (std::string_view(s.getEntityKind().cStr()) != Entity::kind || id != s.getEntityId().cStr())
    return make_error(runtime_errc::bad_snapshot, "snapshot belongs to another entity");
  entity_image<Entity> image;
  SM_TRY(image.state, Entity::read_state(as_string_view(s.getState())));
  image.seq = s.getLastSequence();
  const auto hash = as_string_view(s.getLastHash());
  if (hash.size() != image.last_hash.size())
    return make_error(runtime_errc::bad_snapshot, "snapshot hash has the wrong length");
  std::copy(hash.begin(), hash.end(), reinterpret_cast<char*>(image.last_hash.data()));
  image.last_event_offset = s.getEventsOffset();
  for (auto p : s.getProcessed())
    // Snapshots written before decidedNs existed: the snapshot's own time.
    image.processed.add(std::string(as_string_view(p.getId())), p.getCommandOffset(),
                        p.getDecidedNs() != 0 ? p.getDecidedNs() : root.getTimestampNs());
  image.processed.floor_ns = s.getProcessedFloorNs();
  return image;
}

} // namespace storemesh::actors
