#include "actors/fleet_rebuild.hpp"

#include "actors/entity_kinds.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/topic_scan.hpp"

namespace storemesh::actors {

result<void> rebuild_fleet(events::event_log& log, const topics& names, fleet_board& board) {
  services::fleet::view fleet;
  for (const auto& kind : entity_kinds()) {
    auto projection = kind.make_projection();
    SM_TRYV(events::scan_topic(log, names.events(kind.kind),
                               [&](partition_id, const events::record_view& r) -> result<void> {
      auto env = events::envelope::decoded_envelope::decode(r.value);
      // Seals and records the audit reports as damaged tell the fleet nothing.
      if (!env || env.value().entity_kind() != kind.kind)
        return success();
      (void)projection->fold(std::string(env.value().entity_id()), env.value().reader(), r.value, r.off.value);
      return success();
    }));
    projection->publish(fleet);
  }
  board.update([&](services::fleet::view& v) { v = std::move(fleet); });
  return success();
}

} // namespace storemesh::actors
