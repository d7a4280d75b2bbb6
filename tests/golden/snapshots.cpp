// golden_snapshots DATA_DIR: every snapshot in the embedded log under DATA_DIR holds the state its entity's
// events fold to at that sequence, read with this build's schemas and codecs.
//
// A daemon recovers an entity from its latest snapshot and the events after it, and only for the entities
// it is asked about; this checks every snapshot of every kind, so a change to a State schema (or a codec)
// that makes an old snapshot decode to another state than its events say fails the golden test, whichever
// entity it hits. The comparison re-encodes both states with this build's writer: fields a newer schema
// added compare as their defaults on both sides, a field read differently does not.
//
// Exit 0 and one line of counts when every snapshot matches; 1 and one line per mismatch otherwise.

#include "actors/entity_fold.hpp"
#include "actors/topics.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "events/file_log/file_log.hpp"
#include "events/topic_scan.hpp"
#include "services/gateway/rebalancer_codec.hpp"
#include "services/host/host_codec.hpp"
#include "services/migration/copy_job_codec.hpp"
#include "services/migration/migration_codec.hpp"
#include "services/tunnels/coordination/kv_space_codec.hpp"
#include "services/tunnels/quorum/cluster_codec.hpp"
#include "services/consensus/agreement_codec.hpp"
#include "services/consensus/router_node_codec.hpp"
#include "services/access/access_server_codec.hpp"
#include "services/delivery/content_codec.hpp"
#include "services/delivery/edge_unit_codec.hpp"
#include "services/delivery/process_codec.hpp"
#include "services/delivery/user_group_codec.hpp"
#include "services/control_path/storage_system_codec.hpp"

#include <fmt/core.h>

#include <map>
#include <string>
#include <vector>

namespace {

using namespace storemesh;
using events::envelope::as_string_view;

struct snapshot_at {
  std::string state;      ///< the entity's state, in its module's schema
  std::string last_hash;  ///< of the last event folded in
  std::int64_t events_offset = 0;
  std::string where;      ///< partition@offset in the snapshots topic, for messages
};

/// (kind, id) -> last sequence -> the snapshot taken there.
using snapshot_index = std::map<std::pair<std::string, std::string>, std::map<std::uint64_t, snapshot_at>>;

struct report {
  std::size_t checked = 0;
  std::map<std::string, std::size_t> per_kind;
  std::vector<std::string> mismatches;
};

result<snapshot_index> read_snapshots(events::event_log& log, const actors::topics& names) {
  snapshot_index index;
  if (!log.partitions(names.snapshots()))
    return index;
  SM_TRYV(events::scan_topic(log, names.snapshots(), [&](partition_id p, const events::record_view& r) -> result<void> {
    SM_TRY(auto env, events::envelope::decoded_envelope::decode(r.value));
    if (!env.reader().getPayload().isSnapshot())
      return success();
    const auto s = env.reader().getPayload().getSnapshot();
    index[{s.getEntityKind().cStr(), s.getEntityId().cStr()}][s.getLastSequence()] =
        snapshot_at{std::string(as_string_view(s.getState())), std::string(as_string_view(s.getLastHash())),
                    s.getEventsOffset(), fmt::format("{}@{}", p.value, r.off.value)};
    return success();
  }));
  return index;
}

/// Folds every entity of ENTITY's kind from its events; at each snapshot's sequence compares.
template <class Entity>
result<void> check_kind(events::event_log& log, const actors::topics& names, snapshot_index& snapshots, report& out) {
  const std::string kind(Entity::kind);
  const auto topic = names.events(kind);
  if (!log.partitions(topic))
    return success();
  std::map<std::string, actors::entity_image<Entity>> images;
  return events::scan_topic(log, topic, [&](partition_id, const events::record_view& r) -> result<void> {
    SM_TRY(auto env, events::envelope::decoded_envelope::decode(r.value));
    if (env.entity_kind() != kind)
      return success();  // the seals between the events
    const std::string id(env.entity_id());
    auto& image = images[id];
    SM_TRYV(actors::fold_event(image, env.reader(), r.value, r.off.value));
    auto entity = snapshots.find({kind, id});
    if (entity == snapshots.end())
      return success();
    auto at = entity->second.find(image.seq);
    if (at == entity->second.end())
      return success();
    const auto& snap = at->second;
    const auto what = fmt::format("snapshot {} of {}/{} at sequence {}", snap.where, kind, id, image.seq);
    auto state = Entity::read_state(snap.state);
    if (!state)
      out.mismatches.push_back(what + ": its state does not decode: " + state.error().message());
    else if (Entity::write_state(state.value()) != Entity::write_state(image.state))
      out.mismatches.push_back(what + ": its state differs from the state its events fold to");
    if (snap.last_hash != std::string(reinterpret_cast<const char*>(image.last_hash.data()), image.last_hash.size()))
      out.mismatches.push_back(what + ": its last hash is not the hash of that event");
    if (snap.events_offset != image.last_event_offset)
      out.mismatches.push_back(fmt::format("{}: it resumes after offset {}, that event is at {}", what,
                                           snap.events_offset, image.last_event_offset));
    ++out.checked;
    ++out.per_kind[kind];
    entity->second.erase(at);
    return success();
  });
}

int run(const std::string& data) {
  events::file_log_options o;
  o.root = std::filesystem::path(data) / "log";
  o.read_only = true;
  auto log = events::file_log::open(o);
  if (!log) {
    fmt::print(stderr, "golden_snapshots: opening {}: {}\n", o.root.string(), log.error().message());
    return 2;
  }
  const actors::topics names;
  auto snapshots = read_snapshots(*log.value(), names);
  if (!snapshots) {
    fmt::print(stderr, "golden_snapshots: reading snapshots: {}\n", snapshots.error().message());
    return 1;
  }
  report out;
  // Every entity kind this build knows (actors/entity_kinds.cpp): a new kind adds its line here.
  for (auto checked : {check_kind<services::host::entity>(*log.value(), names, snapshots.value(), out),
                       check_kind<services::copy_job::entity>(*log.value(), names, snapshots.value(), out),
                       check_kind<services::migration::entity>(*log.value(), names, snapshots.value(), out),
                       check_kind<services::rebalancer::entity>(*log.value(), names, snapshots.value(), out),
                       check_kind<services::kv::entity>(*log.value(), names, snapshots.value(), out),
                       check_kind<services::cluster::entity>(*log.value(), names, snapshots.value(), out),
                       check_kind<services::router::entity>(*log.value(), names, snapshots.value(), out),
                       check_kind<services::topology::entity>(*log.value(), names, snapshots.value(), out),
                       check_kind<services::storage::entity>(*log.value(), names, snapshots.value(), out),
                       check_kind<services::control_host::entity>(*log.value(), names, snapshots.value(), out),
                       check_kind<services::access::entity>(*log.value(), names, snapshots.value(), out),
                       check_kind<services::delivery::user_group::entity>(*log.value(), names, snapshots.value(), out),
                       check_kind<services::delivery::content::entity>(*log.value(), names, snapshots.value(), out),
                       check_kind<services::delivery::edge_unit::entity>(*log.value(), names, snapshots.value(), out),
                       check_kind<services::delivery::process::entity>(*log.value(), names, snapshots.value(), out)})
    if (!checked)
      out.mismatches.push_back("replaying the events: " + checked.error().message());
  for (const auto& [entity, left] : snapshots.value())
    for (const auto& [seq, snap] : left)
      out.mismatches.push_back(fmt::format("snapshot {} of {}/{} at sequence {}: no such event (or a kind this "
                                           "check does not know: add it in tests/golden/snapshots.cpp)",
                                           snap.where, entity.first, entity.second, seq));
  for (const auto& m : out.mismatches)
    fmt::print("MISMATCH {}\n", m);
  std::string kinds;
  for (const auto& [kind, n] : out.per_kind)
    kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", n, kind);
  fmt::print("{} snapshots ({}) checked against their entities' events: {}\n", out.checked, kinds,
             out.mismatches.empty() ? "every one equal" : fmt::format("{} mismatches", out.mismatches.size()));
  return out.mismatches.empty() ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    fmt::print(stderr, "usage: golden_snapshots DATA_DIR\n");
    return 2;
  }
  return run(argv[1]);
}
