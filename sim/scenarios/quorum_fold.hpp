#pragma once
// The quorum scenario's own reading of one cluster's events: roles, losses,
// promotions, tunnels, folded here without the decider's evolve, and the
// invariants checked at each event. The director and the nodes of the
// scenario read the cluster through one fold, check() through another.
//
// The invariants (each event is judged against the fold of those before it):
//  1. Never two promotions for one loss: a promotion starts only for an open
//     loss with no promotion under way, and only of a node.
//  2. A promoted node was caught up: head - applied <= max_lag (the
//     configuration in force, from the last `configured` event) recomputed
//     from promotion_started's own fields, and again from promotion_ready's;
//     its own verdict says it was healthy.
//  3. The quorum is never below target past its grace while an eligible
//     candidate was offered. The time the quorum spends below target is the
//     director's (how soon it offers) and the nodes' (how soon they catch up):
//     agents, not the decider. The decider's share, checked here, is that an
//     offer it refuses never held an eligible candidate: a `promote` for an
//     open loss with no promotion under way, while members + promoting <
//     target, refused `no_eligible_node` although one of its candidates was
//     a node, healthy, with head >= applied, lag <= max_lag and its
//     registered domain (or none) is a violation. Such a refusal leaves the
//     quorum below target for as long as the director keeps offering, past
//     any grace.
//  4. Never over target: members + promoting never exceed the target, by
//     bootstrap, promotion or return (the scenario never lowers the target).
//  5. Tunnels: a tunnel is opened once (peer, handshake hash), never for a
//     removed peer, and closed only while open.

#include "services/tunnels/quorum/cluster.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace storemesh::sim {

class quorum_fold {
public:
  enum class role { member, node, promoting, lost, removed, client };
  struct loss {
    std::string server;
    bool open = true;
  };
  struct promotion {
    std::uint64_t loss = 0;
    std::string node;
    bool under_way = true;
  };

  /// Folds one event; the first invariant it breaks, if any.
  std::optional<std::string> apply(const services::cluster::event& e);
  /// Judges a refused command (invariant 3); the violation, if any.
  [[nodiscard]] std::optional<std::string> judge_refusal(std::string_view code,
                                                         const services::cluster::command& c) const;

  [[nodiscard]] bool configured() const { return configured_; }
  [[nodiscard]] const services::cluster::config& config() const { return config_; }
  [[nodiscard]] const std::map<std::string, role>& roles() const { return roles_; }
  [[nodiscard]] const std::map<std::uint64_t, loss>& losses() const { return losses_; }
  [[nodiscard]] const std::map<std::uint64_t, promotion>& promotions() const { return promotions_; }
  [[nodiscard]] const std::set<std::pair<std::string, std::string>>& open_tunnels() const { return open_tunnels_; }
  [[nodiscard]] std::optional<role> role_of(const std::string& id) const;
  [[nodiscard]] std::size_t count(role r) const;
  /// The promotion under way for a loss, if any (its id).
  [[nodiscard]] std::optional<std::uint64_t> under_way_for(std::uint64_t loss) const;
  /// The promotion under way of a node, if any (its id).
  [[nodiscard]] std::optional<std::uint64_t> under_way_of(const std::string& node) const;
  [[nodiscard]] bool needs_promotion() const;
  /// Eligible by the rule the module documents (cluster.hpp, choose()).
  [[nodiscard]] bool eligible(const services::cluster::candidate& c) const;

private:
  bool configured_ = false;
  services::cluster::config config_;
  std::map<std::string, role> roles_;
  std::map<std::string, std::string> domains_;
  std::map<std::uint64_t, loss> losses_;
  std::map<std::uint64_t, promotion> promotions_;
  std::set<std::pair<std::string, std::string>> open_tunnels_;
};

} // namespace storemesh::sim
