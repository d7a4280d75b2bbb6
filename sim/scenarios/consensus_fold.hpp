#pragma once
// The consensus scenario's own reading of the topology agreements (per
// network) and the routers' announcements, folded without the deciders'
// evolve, with the invariants checked at each event against the fold of the
// events before it (in log order across both kinds):
//  1. No vote counted twice: one `voted` per (proposal, router), and only by
//     an enrolled router, on an open proposal, before its deadline.
//  2. No topology agreed without a quorum: at `agreed`, the distinct routers
//     that voted accept on that proposal reach the quorum (recomputed here:
//     a majority of the routers enrolled then, or the configured count, never
//     more than are enrolled); the proposal was open and based on the agreed
//     cid, the cid is the proposal's, the epoch the previous one + 1. A
//     `refused` proposal had its accepts out of reach.
//  3. One topology per round: an epoch is agreed (or seeded) once, and a
//     router that activates a topology (announced with epoch >= 1) activates
//     the cid agreed for that epoch in its network, so every router that
//     activates in a round activates the same one. Epoch 0 is a router's own
//     file, not agreed by a vote: it is not judged.

#include "services/consensus/agreement.hpp"
#include "services/consensus/router_node.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace storemesh::sim {

class consensus_fold {
public:
  struct proposal {
    std::string cid, base_cid, proposer;
    std::int64_t deadline_ns = 0;
    bool open = true;
    std::map<std::string, bool> votes;  ///< router -> accept
  };
  struct network {
    services::topology::config config;
    std::set<std::string> enrolled;
    std::string agreed_cid;
    std::uint64_t epoch = 0;
    std::map<std::uint64_t, std::string> agreed;  ///< epoch -> cid, the seed included
    std::map<std::string, proposal> proposals;
  };

  /// Folds one event of topology (network) `id`; the invariant it breaks, if any.
  std::optional<std::string> apply(const std::string& id, const services::topology::event& e);
  /// Folds one event of router `id`; the invariant it breaks, if any.
  std::optional<std::string> apply(const std::string& id, const services::router::event& e);

  [[nodiscard]] const network* find(const std::string& id) const;
  /// The network a router registered in ("" before it registered).
  [[nodiscard]] std::string network_of(const std::string& router) const;
  /// The quorum by the rule agreement.hpp documents, recomputed.
  [[nodiscard]] static std::uint32_t quorum(const services::topology::config& c, std::size_t enrolled);

private:
  std::map<std::string, network> networks_;
  std::map<std::string, std::string> router_network_;
};

} // namespace storemesh::sim
