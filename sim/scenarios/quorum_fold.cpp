#include "sim/scenarios/quorum_fold.hpp"

#include <algorithm>

namespace storemesh::sim {
namespace cl = services::cluster;

namespace {

using services::overloaded;

std::uint64_t lag(std::uint64_t applied, std::uint64_t head) { return head > applied ? head - applied : 0; }

} // namespace

std::optional<quorum_fold::role> quorum_fold::role_of(const std::string& id) const {
  auto it = roles_.find(id);
  if (it == roles_.end())
    return std::nullopt;
  return it->second;
}

std::size_t quorum_fold::count(role r) const {
  return static_cast<std::size_t>(
      std::count_if(roles_.begin(), roles_.end(), [&](const auto& p) { return p.second == r; }));
}

std::optional<std::uint64_t> quorum_fold::under_way_for(std::uint64_t loss) const {
  for (const auto& [id, p] : promotions_)
    if (p.loss == loss && p.under_way)
      return id;
  return std::nullopt;
}

std::optional<std::uint64_t> quorum_fold::under_way_of(const std::string& node) const {
  for (const auto& [id, p] : promotions_)
    if (p.node == node && p.under_way)
      return id;
  return std::nullopt;
}

bool quorum_fold::needs_promotion() const {
  return configured_ && count(role::member) + count(role::promoting) < config_.target;
}

bool quorum_fold::eligible(const cl::candidate& c) const {
  if (role_of(c.node) != role::node || !c.healthy || c.head_offset < c.applied_offset)
    return false;
  if (lag(c.applied_offset, c.head_offset) > config_.max_lag)
    return false;
  const auto d = domains_.find(c.node);
  return c.domain.empty() || (d != domains_.end() && d->second == c.domain);
}

std::optional<std::string> quorum_fold::judge_refusal(std::string_view code, const cl::command& c) const {
  const auto* p = std::get_if<cl::promote>(&c);
  if (!p || code != "no_eligible_node")
    return std::nullopt;
  const auto l = losses_.find(p->loss);
  if (l == losses_.end() || !l->second.open || under_way_for(p->loss) || !needs_promotion())
    return std::nullopt;
  std::set<std::string> seen;
  for (const auto& cand : p->candidates)
    if (seen.insert(cand.node).second && eligible(cand))
      return "promote for loss " + std::to_string(p->loss) + " refused no_eligible_node while below target, but " +
             cand.node + " was eligible (lag " + std::to_string(lag(cand.applied_offset, cand.head_offset)) +
             ", max " + std::to_string(config_.max_lag) + ")";
  return std::nullopt;
}

std::optional<std::string> quorum_fold::apply(const cl::event& e) {
  std::optional<std::string> bad;
  auto over_target = [&](const std::string& after) {
    if (!bad && count(role::member) + count(role::promoting) > config_.target)
      bad = after + ": " + std::to_string(count(role::member)) + " members and " +
            std::to_string(count(role::promoting)) + " promoting, over the target " + std::to_string(config_.target);
  };
  std::visit(
      overloaded{
          [&](const cl::configured& c) {
            configured_ = true;
            config_ = c.config;
          },
          [&](const cl::server_added& a) {
            roles_[a.peer.id] = role::member;
            domains_[a.peer.id] = a.peer.domain;
            over_target("server " + a.peer.id + " added");
          },
          [&](const cl::node_added& a) {
            roles_[a.peer.id] = role::node;
            domains_[a.peer.id] = a.peer.domain;
          },
          [&](const cl::client_added& a) { roles_[a.peer.id] = role::client; },
          [&](const cl::peer_removed& r) { roles_[r.id] = role::removed; },
          [&](const cl::server_lost& l) {
            if (role_of(l.server) != role::member)
              bad = "server " + l.server + " lost (loss " + std::to_string(l.loss) + ") but it was not a member";
            roles_[l.server] = role::lost;
            losses_[l.loss] = loss{l.server, true};
          },
          [&](const cl::promotion_started& p) {
            const auto l = losses_.find(p.loss);
            const std::string what = "promotion " + std::to_string(p.promotion) + " of " + p.node;
            if (l == losses_.end() || !l->second.open)
              bad = what + " for loss " + std::to_string(p.loss) + ", which is not open";
            else if (auto other = under_way_for(p.loss))
              bad = what + " for loss " + std::to_string(p.loss) + " while promotion " + std::to_string(*other) +
                    " is under way for it: two promotions for one loss";
            else if (role_of(p.node) != role::node)
              bad = what + ": it was not a node";
            else if (lag(p.applied_offset, p.head_offset) > config_.max_lag || p.head_offset < p.applied_offset)
              bad = what + " while it lagged: applied " + std::to_string(p.applied_offset) + ", head " +
                    std::to_string(p.head_offset) + ", max_lag " + std::to_string(config_.max_lag);
            else {
              const auto v = std::find_if(p.verdicts.begin(), p.verdicts.end(),
                                          [&](const cl::verdict& x) { return x.candidate.node == p.node; });
              if (v == p.verdicts.end() || !v->candidate.healthy)
                bad = what + ": it was not offered healthy";
            }
            roles_[p.node] = role::promoting;
            promotions_[p.promotion] = promotion{p.loss, p.node, true};
            over_target(what);
          },
          [&](const cl::promotion_ready& r) {
            auto p = promotions_.find(r.promotion);
            const std::string what = "promotion " + std::to_string(r.promotion) + " of " + r.node + " ready";
            if (p == promotions_.end() || !p->second.under_way || p->second.node != r.node)
              bad = what + " but it was not under way";
            else if (lag(r.applied_offset, r.head_offset) > config_.max_lag || r.head_offset < r.applied_offset)
              bad = what + " while it lagged: applied " + std::to_string(r.applied_offset) + ", head " +
                    std::to_string(r.head_offset) + ", max_lag " + std::to_string(config_.max_lag);
            roles_[r.node] = role::member;
            if (p != promotions_.end()) {
              p->second.under_way = false;
              if (auto l = losses_.find(p->second.loss); l != losses_.end())
                l->second.open = false;
            }
          },
          [&](const cl::promotion_failed& f) {
            auto p = promotions_.find(f.promotion);
            if (p == promotions_.end() || !p->second.under_way || p->second.node != f.node)
              bad = "promotion " + std::to_string(f.promotion) + " of " + f.node + " failed but it was not under way";
            roles_[f.node] = role::node;
            if (p != promotions_.end())
              p->second.under_way = false;
          },
          [&](const cl::server_returned& r) {
            const std::string what = "server " + r.server + " returned";
            const bool filling = r.loss != 0 && under_way_for(r.loss).has_value();
            const bool room = needs_promotion();
            if (role_of(r.server) != role::lost)
              bad = what + " but it was not lost";
            else if ((r.as == cl::role::member) != (room && !filling))
              bad = what + " as " + std::string(cl::to_string(r.as)) + " although " +
                    (room ? "there was room" : "the quorum was full") +
                    (filling ? " and a promotion was filling its loss" : "");
            roles_[r.server] = r.as == cl::role::member ? role::member : role::node;
            if (auto l = losses_.find(r.loss); l != losses_.end() && !filling)
              l->second.open = false;
            over_target(what);
          },
          [&](const cl::tunnel_opened& t) {
            const auto k = std::make_pair(t.peer, t.handshake_hash);
            if (role_of(t.peer) == role::removed || !role_of(t.peer))
              bad = "a tunnel of " + t.peer + " opened, but it is removed or unknown";
            else if (open_tunnels_.count(k))
              bad = "a tunnel of " + t.peer + " recorded open twice";
            open_tunnels_.insert(k);
          },
          [&](const cl::tunnel_closed& t) {
            if (open_tunnels_.erase(std::make_pair(t.peer, t.handshake_hash)) == 0)
              bad = "a tunnel of " + t.peer + " closed but it was not open";
          },
      },
      e);
  return bad;
}

} // namespace storemesh::sim
