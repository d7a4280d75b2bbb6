#include "ops/audit_clusters.hpp"

#include "services/tunnels/quorum/cluster_codec.hpp"

#include <fmt/core.h>

#include <algorithm>

namespace storemesh::ops {

using services::cluster::entity;

void cluster_checks::observe(const events::envelope::decoded_envelope& env) {
  const auto r = env.reader();
  latest_ns_ = std::max(latest_ns_, r.getTimestampNs());
  if (env.entity_kind() != entity::kind)
    return;
  // The fold that came first decoded it already; one that does not decode
  // was reported there.
  auto e = entity::read_event(r);
  if (!e)
    return;
  clusters_[std::string(env.entity_id())].observe(r.getSequence(), r.getTimestampNs(), e.value());
}

void cluster_checks::finish(std::vector<std::string>& violations) {
  for (auto& [id, auditor] : clusters_)
    for (const auto& v : auditor.finish(latest_ns_))
      violations.push_back(fmt::format("{}/{} seq {}: {}", entity::kind, id, v.sequence, v.what));
  clusters_.clear();
}

} // namespace storemesh::ops
