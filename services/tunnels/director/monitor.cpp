#include "services/tunnels/director/monitor.hpp"

#include <algorithm>

namespace storemesh::services::director {

using cluster::role;

std::vector<cluster::command> assess(const cluster::state& s, const observation& o) {
  std::vector<cluster::command> out;
  if (!s.configured)
    return out;
  // The head the director last read may be older than a heartbeat: the log's
  // end is at least what any replica has applied.
  std::uint64_t head = o.head_offset;
  for (const auto& [id, f] : o.peers)
    head = std::max(head, f.applied_offset);
  const double threshold = s.config.phi_threshold;
  auto facts = [&](const std::string& id) -> const peer_facts* {
    auto it = o.peers.find(id);
    return it == o.peers.end() ? nullptr : &it->second;
  };
  auto alive = [&](const peer_facts* f) { return f && f->last_heartbeat_ns > 0 && f->phi < threshold; };

  for (const auto& [id, p] : s.peers) {
    const auto* f = facts(id);
    switch (p.role) {
    case role::member:
      if (f && f->phi >= threshold)
        out.push_back(cluster::report_lost{id, o.observer, f->phi, f->last_heartbeat_ns, o.now_ns});
      break;
    case role::lost:
      if (alive(f))
        out.push_back(cluster::report_back{id, o.now_ns});
      break;
    case role::promoting:
      if (f && f->phi >= threshold)
        out.push_back(cluster::report_failed{
            id, "lost while promoted: phi " + std::to_string(f->phi) + " >= " + std::to_string(threshold), o.now_ns});
      break;
    case role::node:
    case role::removed:
    case role::client:
      break;
    }
  }

  if (s.needs_promotion()) {
    const auto unfilled = s.unfilled_losses();
    if (!unfilled.empty()) {
      cluster::promote p;
      p.loss = unfilled.front()->id;
      p.now_ns = o.now_ns;
      for (const auto& [id, peer] : s.peers) {
        if (peer.role != role::node)
          continue;
        const auto* f = facts(id);
        cluster::candidate c;
        c.node = id;
        c.healthy = alive(f);
        c.applied_offset = f ? f->applied_offset : 0;
        c.head_offset = head;
        c.domain = peer.spec.domain;
        p.candidates.push_back(std::move(c));
      }
      if (!p.candidates.empty())
        out.push_back(std::move(p));
    }
  }
  return out;
}

std::string describe(const cluster::command& c) {
  return std::visit(services::overloaded{
                        [](const cluster::configure&) { return std::string("configure"); },
                        [](const cluster::add_server& a) { return "add_server " + a.peer.id; },
                        [](const cluster::add_node& a) { return "add_node " + a.peer.id; },
                        [](const cluster::remove_node& r) { return "remove_node " + r.id; },
                        [](const cluster::report_lost& r) { return "report_lost " + r.server; },
                        [](const cluster::promote& p) { return "promote loss " + std::to_string(p.loss); },
                        [](const cluster::report_ready& r) { return "report_ready " + r.node; },
                        [](const cluster::report_failed& r) { return "report_failed " + r.node; },
                        [](const cluster::report_back& r) { return "report_back " + r.server; },
                        [](const cluster::add_client& a) { return "add_client " + a.peer.id; },
                        [](const cluster::record_tunnel& t) {
                          return std::string(t.opened ? "tunnel_opened " : "tunnel_closed ") + t.peer;
                        },
                    },
                    c);
}

} // namespace storemesh::services::director
