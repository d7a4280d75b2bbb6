#include "ops/consensus_reader.hpp"

#include "events/envelope/decoded_envelope.hpp"
#include "events/topic_scan.hpp"
#include "services/consensus/agreement_codec.hpp"
#include "services/consensus/router_node_codec.hpp"

#include <functional>

namespace storemesh::ops {
namespace {

/// Calls f(id, event) for every event of Entity's kind, in log order per
/// entity (one entity's events are in one partition). A record that does not
/// decode stops the read with its error: `storemesh audit` says more.
template <class Entity>
void for_each_event(const data_options& data,
                    const std::function<void(const std::string&, const typename Entity::event_type&)>& f) {
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
                            f(std::string(env.entity_id()), ev);
                            return success();
                          }),
       "replaying " + topic);
}

} // namespace

std::map<std::string, services::router::state> read_routers(const data_options& data) {
  namespace rt = services::router;
  std::map<std::string, rt::state> out;
  for_each_event<rt::entity>(data, [&](const std::string& id, const rt::event& e) {
    auto& s = out.try_emplace(id, rt::initial).first->second;
    s = rt::evolve(std::move(s), e);
  });
  return out;
}

services::topology::state read_topology(const data_options& data, const std::string& network) {
  namespace tp = services::topology;
  tp::state s = tp::initial;
  for_each_event<tp::entity>(data, [&](const std::string& id, const tp::event& e) {
    if (id == network)
      s = tp::evolve(std::move(s), e);
  });
  return s;
}

} // namespace storemesh::ops
