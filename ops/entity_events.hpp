#pragma once
// The CLI's read models: every event of one entity kind, read from the log in
// order (one entity's events are in one partition) and decoded by the kind's
// own codec. A record that does not decode stops the read with its error
// (`storemesh audit` says more). One piece serves every `list`/`status`.

#include "events/envelope/decoded_envelope.hpp"
#include "events/topic_scan.hpp"
#include "ops/cli_context.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace storemesh::ops {

/// Calls f(entity id, event, sequence) for every event of Entity's kind.
template <class Entity>
void for_each_entity_event(
    const data_options& data,
    const std::function<void(const std::string&, const typename Entity::event_type&, std::uint64_t)>& f) {
  auto log = open_log(data, true);
  const auto topic = data.names.events(Entity::kind);
  if (!log->partitions(topic))
    return;
  must(events::scan_topic(*log, topic,
                          [&](partition_id, const events::record_view& r) -> result<void> {
                            SM_TRY(auto env, events::envelope::decoded_envelope::decode(r.value));
                            if (env.entity_kind() != Entity::kind || !Entity::is_event(env.reader()))
                              return success();
                            SM_TRY(auto ev, Entity::read_event(env.reader()));
                            f(std::string(env.entity_id()), ev, env.reader().getSequence());
                            return success();
                          }),
       "replaying " + topic);
}

} // namespace storemesh::ops
