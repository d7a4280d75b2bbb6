#include "actors/index_feed.hpp"

#include "actors/entity_kinds.hpp"
#include "events/envelope/decoded_envelope.hpp"

namespace storemesh::actors {

using events::envelope::as_string_view;

result<void> index_feed::catch_up() {
  if (!follower_) {
    std::vector<std::string> topics{names_.rejected(), names_.snapshots()};
    for (const auto& kind : entity_kinds())
      topics.push_back(names_.events(kind.kind));
    SM_TRY(auto f, topic_follower::open(log_, topics, [](const std::string&, partition_id) { return offset{0}; }));
    follower_.emplace(std::move(f));
  }
  for (;;) {
    SM_TRY(auto n, follower_->poll([this](const std::string& t, partition_id p, const events::record_view& r) {
      take(t, p, r);
    }));
    if (n == 0)
      return success();
  }
}

void index_feed::take(const std::string& topic, partition_id p, const events::record_view& r) {
  if (topic == names_.rejected()) {
    auto env = events::envelope::decoded_envelope::decode(r.value);
    if (!env || !env.value().reader().getPayload().isRejection())
      return;
    const auto rej = env.value().reader().getPayload().getRejection();
    const auto id = as_string_view(env.value().reader().getCausationId());
    const bool no_id = id.find_first_not_of('\0') == std::string_view::npos || !rejection_claims_id(rej.getCode().cStr());
    rejected_.add(no_id ? std::string() : std::string(id), partition_id{rej.getCommandPartition()},
                  rej.getCommandOffset());
    return;
  }
  if (topic == names_.snapshots()) {
    auto env = events::envelope::decoded_envelope::decode(r.value);
    if (env && env.value().reader().getPayload().isSnapshot())
      snapshots_.put(std::string(env.value().entity_kind()), std::string(env.value().entity_id()),
                     snapshot_location{p, r.off});
    return;
  }
  // An events topic: keys only, except the first record of a key not seen
  // yet, which may be a seal (keyed by the daemon that wrote it), not an
  // entity's event: a seal's offset would send a takeover's pass, or a
  // recovery, to where no event of that key is.
  for (const auto& kind : entity_kinds())
    if (topic == names_.events(kind.kind)) {
      const std::string key(r.key);
      if (entities_.first_event(kind.kind, key))
        return;
      auto env = events::envelope::decoded_envelope::decode(r.value);
      if (env && env.value().entity_kind() == kind.kind)
        entities_.put_if_absent(kind.kind, key, r.off);
      return;
    }
}

} // namespace storemesh::actors
