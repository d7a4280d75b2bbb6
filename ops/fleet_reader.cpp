#include "ops/fleet_reader.hpp"

#include "actors/entity_kinds.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "events/topic_scan.hpp"
#include "ops/cli_context.hpp"
#include "services/gateway/rebalancer_codec.hpp"

#include <chrono>

namespace storemesh::ops {
namespace {

namespace rb = services::rebalancer;

/// Folds every event of KIND's topic with F(id, envelope, record); a topic
/// that does not exist yet (no daemon has run) holds nothing.
template <class F>
void scan_kind(events::event_log& log, const actors::topics& names, std::string_view kind, F&& f) {
  const auto topic = names.events(kind);
  if (!log.partitions(topic))
    return;
  must(events::scan_topic(log, topic,
                          [&](partition_id, const events::record_view& r) -> result<void> {
                            auto env = events::envelope::decoded_envelope::decode(r.value);
                            // Seals, and records the audit reports as damaged, say nothing here.
                            if (!env || env.value().entity_kind() != kind)
                              return success();
                            f(std::string(env.value().entity_id()), env.value(), r);
                            return success();
                          }),
       "replaying " + topic);
}

} // namespace

fleet_snapshot read_fleet(events::event_log& log, const actors::topics& names) {
  fleet_snapshot out;
  for (const auto& kind : actors::entity_kinds()) {
    if (kind.kind == rb::entity::kind)
      continue;
    auto projection = kind.make_projection();
    scan_kind(log, names, kind.kind, [&](const std::string& id, const auto& env, const events::record_view& r) {
      (void)projection->fold(id, env.reader(), r.value, r.off.value);
    });
    projection->publish(out.view);
  }
  actors::entity_projection<rb::entity> rebalancers;
  scan_kind(log, names, rb::entity::kind, [&](const std::string& id, const auto& env, const events::record_view& r) {
    (void)rebalancers.fold(id, env.reader(), r.value, r.off.value);
    if (auto e = rb::entity::read_event(env.reader()))
      out.history[id].push_back({std::move(e).value(),
                                 std::string(events::envelope::as_string_view(env.reader().getCausationId())),
                                 env.reader().getTimestampNs()});
  });
  rebalancers.publish(out.view);
  for (const auto& [id, image] : rebalancers.images())
    out.rebalancers[id] = image.state;
  return out;
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

rb::state rebalancer_of(const fleet_snapshot& f, const std::string& site) {
  auto it = f.rebalancers.find(site);
  return it == f.rebalancers.end() ? rb::state{} : it->second;
}

} // namespace storemesh::ops
