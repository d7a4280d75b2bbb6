#include "services/tunnels/quorum/cluster.hpp"

#include "events/planted_bugs.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

namespace storemesh::services::cluster {

// -- equality (the tests compare events and states) --------------------------

bool config::operator==(const config& o) const {
  return target == o.target && grace_ns == o.grace_ns && max_lag == o.max_lag && phi_threshold == o.phi_threshold &&
         heartbeat_interval_ns == o.heartbeat_interval_ns && use_domains == o.use_domains &&
         director_key == o.director_key;
}
bool peer_spec::operator==(const peer_spec& o) const {
  return id == o.id && key == o.key && domain == o.domain && address == o.address;
}
bool candidate::operator==(const candidate& o) const {
  return node == o.node && healthy == o.healthy && applied_offset == o.applied_offset &&
         head_offset == o.head_offset && domain == o.domain;
}
bool verdict::operator==(const verdict& o) const {
  return candidate == o.candidate && eligible == o.eligible && reason == o.reason;
}
bool peer_removed::operator==(const peer_removed& o) const { return id == o.id && was == o.was && at_ns == o.at_ns; }
bool server_lost::operator==(const server_lost& o) const {
  return loss == o.loss && server == o.server && observer == o.observer && phi == o.phi &&
         last_heartbeat_ns == o.last_heartbeat_ns && at_ns == o.at_ns && reason == o.reason;
}
bool promotion_started::operator==(const promotion_started& o) const {
  return promotion == o.promotion && loss == o.loss && node == o.node && at_ns == o.at_ns &&
         applied_offset == o.applied_offset && head_offset == o.head_offset && domain == o.domain &&
         verdicts == o.verdicts && why == o.why;
}
bool promotion_ready::operator==(const promotion_ready& o) const {
  return promotion == o.promotion && node == o.node && applied_offset == o.applied_offset &&
         head_offset == o.head_offset && at_ns == o.at_ns;
}
bool promotion_failed::operator==(const promotion_failed& o) const {
  return promotion == o.promotion && node == o.node && reason == o.reason && at_ns == o.at_ns;
}
bool server_returned::operator==(const server_returned& o) const {
  return server == o.server && loss == o.loss && as == o.as && at_ns == o.at_ns;
}
bool loss::operator==(const loss& o) const {
  return id == o.id && server == o.server && at_ns == o.at_ns && reason == o.reason && observer == o.observer &&
         phi == o.phi && last_heartbeat_ns == o.last_heartbeat_ns && status == o.status && filled_by == o.filled_by &&
         closed_at_ns == o.closed_at_ns;
}
bool promotion::operator==(const promotion& o) const {
  return id == o.id && node == o.node && loss == o.loss && at_ns == o.at_ns && applied_offset == o.applied_offset &&
         head_offset == o.head_offset && domain == o.domain && verdicts == o.verdicts && why == o.why &&
         state == o.state && closed_at_ns == o.closed_at_ns && failure == o.failure;
}
bool state::operator==(const state& o) const {
  return configured == o.configured && config == o.config && peers == o.peers && losses == o.losses &&
         promotions == o.promotions && tunnels == o.tunnels;
}

// -- queries --------------------------------------------------------------------

const tunnel_record* state::open_tunnel_of(std::string_view peer) const {
  const tunnel_record* last = nullptr;
  for (const auto& t : tunnels)
    if (t.peer == peer && t.closed_at_ns == 0)
      last = &t;
  return last;
}

const peer* state::find(std::string_view id) const {
  auto it = peers.find(std::string(id));
  return it == peers.end() ? nullptr : &it->second;
}

std::vector<std::string> state::with_role(role r) const {
  std::vector<std::string> out;
  for (const auto& [id, p] : peers)
    if (p.role == r)
      out.push_back(id);
  return out;
}

std::size_t state::count(role r) const {
  return static_cast<std::size_t>(
      std::count_if(peers.begin(), peers.end(), [&](const auto& p) { return p.second.role == r; }));
}

std::map<public_key, std::string> state::allowed_keys() const {
  std::map<public_key, std::string> out;
  for (const auto& [id, p] : peers)
    if (p.role != role::removed)
      out.emplace(p.spec.key, id);
  return out;
}

bool state::allowed(const public_key& k) const {
  return std::any_of(peers.begin(), peers.end(),
                     [&](const auto& p) { return p.second.role != role::removed && p.second.spec.key == k; });
}

std::vector<const loss*> state::open_losses() const {
  std::vector<const loss*> out;
  for (const auto& [id, l] : losses)
    if (l.status == loss_status::open)
      out.push_back(&l);
  return out;
}

std::vector<const loss*> state::unfilled_losses() const {
  std::vector<const loss*> out;
  for (const auto* l : open_losses())
    if (!active_promotion(l->id))
      out.push_back(l);
  return out;
}

const promotion* state::active_promotion(std::uint64_t loss) const {
  for (const auto& [id, p] : promotions)
    if (p.loss == loss && p.state == promotion_state::started)
      return &p;
  return nullptr;
}

const promotion* state::promotion_of(std::string_view node) const {
  for (const auto& [id, p] : promotions)
    if (p.node == node && p.state == promotion_state::started)
      return &p;
  return nullptr;
}

const loss* state::open_loss_of(std::string_view server) const {
  for (const auto& [id, l] : losses)
    if (l.server == server && l.status == loss_status::open)
      return &l;
  return nullptr;
}

bool state::needs_promotion() const {
  return configured && count(role::member) + count(role::promoting) < config.target;
}

// -- evolve -----------------------------------------------------------------------
// Tolerant of events that refer to what is not there (the audit folds logs it
// does not trust): such an event changes nothing it cannot find.

namespace {

void set_role(state& s, const std::string& id, role r) {
  if (auto it = s.peers.find(id); it != s.peers.end())
    it->second.role = r;
}

/// Keeps every open tunnel and the last closed_tunnels_kept closed ones.
void trim_tunnels(state& s) {
  std::size_t closed = 0;
  for (const auto& t : s.tunnels)
    closed += t.closed_at_ns != 0;
  for (auto it = s.tunnels.begin(); closed > closed_tunnels_kept && it != s.tunnels.end();) {
    if (it->closed_at_ns != 0) {
      it = s.tunnels.erase(it);
      --closed;
    } else {
      ++it;
    }
  }
}

} // namespace

state evolve(state s, const event& e) {
  std::visit(overloaded{
                 [&](const configured& c) {
                   s.configured = true;
                   s.config = c.config;
                 },
                 [&](const server_added& a) { s.peers[a.peer.id] = peer{a.peer, role::member}; },
                 [&](const node_added& a) { s.peers[a.peer.id] = peer{a.peer, role::node}; },
                 [&](const peer_removed& r) { set_role(s, r.id, role::removed); },
                 [&](const server_lost& l) {
                   set_role(s, l.server, role::lost);
                   loss x;
                   x.id = l.loss;
                   x.server = l.server;
                   x.at_ns = l.at_ns;
                   x.reason = l.reason;
                   x.observer = l.observer;
                   x.phi = l.phi;
                   x.last_heartbeat_ns = l.last_heartbeat_ns;
                   s.losses[l.loss] = std::move(x);
                 },
                 [&](const promotion_started& p) {
                   set_role(s, p.node, role::promoting);
                   promotion x;
                   x.id = p.promotion;
                   x.node = p.node;
                   x.loss = p.loss;
                   x.at_ns = p.at_ns;
                   x.applied_offset = p.applied_offset;
                   x.head_offset = p.head_offset;
                   x.domain = p.domain;
                   x.verdicts = p.verdicts;
                   x.why = p.why;
                   s.promotions[p.promotion] = std::move(x);
                 },
                 [&](const promotion_ready& r) {
                   set_role(s, r.node, role::member);
                   auto it = s.promotions.find(r.promotion);
                   if (it == s.promotions.end())
                     return;
                   it->second.state = promotion_state::ready;
                   it->second.closed_at_ns = r.at_ns;
                   if (auto l = s.losses.find(it->second.loss); l != s.losses.end()) {
                     l->second.status = loss_status::filled;
                     l->second.filled_by = r.promotion;
                     l->second.closed_at_ns = r.at_ns;
                   }
                 },
                 [&](const promotion_failed& f) {
                   // A removed node stays removed (peer_removed follows in that case).
                   set_role(s, f.node, role::node);
                   if (auto it = s.promotions.find(f.promotion); it != s.promotions.end()) {
                     it->second.state = promotion_state::failed;
                     it->second.closed_at_ns = f.at_ns;
                     it->second.failure = f.reason;
                   }
                 },
                 [&](const client_added& a) { s.peers[a.peer.id] = peer{a.peer, role::client}; },
                 [&](const tunnel_opened& t) {
                   s.tunnels.push_back(tunnel_record{t.peer, t.with, t.handshake_hash, t.at_ns, 0, {}});
                 },
                 [&](const tunnel_closed& t) {
                   for (auto& r : s.tunnels)
                     if (r.peer == t.peer && r.handshake_hash == t.handshake_hash && r.closed_at_ns == 0) {
                       r.closed_at_ns = t.at_ns;
                       r.reason = t.reason;
                     }
                   trim_tunnels(s);
                 },
                 [&](const server_returned& r) {
                   set_role(s, r.server, r.as);
                   auto l = s.losses.find(r.loss);
                   // A loss with a promotion under way stays open: that promotion fills it.
                   if (l != s.losses.end() && !s.active_promotion(r.loss)) {
                     l->second.status = loss_status::returned;
                     l->second.closed_at_ns = r.at_ns;
                   }
                 },
             },
             e);
  return s;
}

// -- the promotion choice ------------------------------------------------------------

choice choose(const state& s, const std::vector<candidate>& candidates) {
  choice out;
  std::set<std::string> covered;  // domains of members and promoting nodes
  for (const auto& [id, p] : s.peers)
    if ((p.role == role::member || p.role == role::promoting) && !p.spec.domain.empty())
      covered.insert(p.spec.domain);
  std::set<std::string> seen;
  // Rank: (domain already covered, lag, id); smallest wins.
  std::optional<std::tuple<bool, std::uint64_t, std::string>> best;
  std::size_t eligible = 0;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const auto& c = candidates[i];
    verdict v{c, false, {}};
    const peer* p = s.find(c.node);
    if (!seen.insert(c.node).second)
      v.reason = "listed twice";
    else if (!p)
      v.reason = "unknown peer";
    else if (p->role != role::node)
      v.reason = "not a node: it is " + std::string(to_string(p->role));
    else if (!c.healthy)
      v.reason = "unhealthy";
    else if (c.head_offset < c.applied_offset)
      v.reason = "applied offset " + std::to_string(c.applied_offset) + " is past the head " +
                 std::to_string(c.head_offset);
    else if (c.lag() > s.config.max_lag && !events::planted(events::planted_bug::promote_lagging))
      v.reason = "lagging: " + std::to_string(c.lag()) + " records behind the head, more than " +
                 std::to_string(s.config.max_lag);
    else if (!c.domain.empty() && c.domain != p->spec.domain)
      v.reason = "domain_mismatch: reports '" + c.domain + "', registered in '" + p->spec.domain + "'";
    else {
      v.eligible = true;
      ++eligible;
      const bool in_covered = s.config.use_domains && (p->spec.domain.empty() || covered.count(p->spec.domain) > 0);
      v.reason = "eligible: lag " + std::to_string(c.lag());
      if (s.config.use_domains)
        v.reason += in_covered ? ", domain '" + p->spec.domain + "' already in the quorum"
                               : ", domain '" + p->spec.domain + "' missing from the quorum";
      auto rank = std::make_tuple(in_covered, c.lag(), c.node);
      if (!best || rank < *best) {
        best = rank;
        out.chosen = i;
      }
    }
    out.verdicts.push_back(std::move(v));
  }
  if (!out.chosen) {
    out.why = "none of " + std::to_string(candidates.size()) + " candidates is eligible";
    for (const auto& v : out.verdicts)
      out.why += "; " + v.candidate.node + ": " + v.reason;
    return out;
  }
  const auto& [in_covered, lag, id] = *best;
  out.why = "chose " + id + " among " + std::to_string(eligible) + " eligible of " +
            std::to_string(candidates.size()) + ": ";
  if (s.config.use_domains)
    out.why += in_covered ? "no eligible node in a domain the quorum lacks; " : "in a domain the quorum lacks; ";
  out.why += "least lag (" + std::to_string(lag) + "), then smallest id";
  return out;
}

// -- decide -------------------------------------------------------------------------

namespace {

using D = decision<event>;

D check_peer(const state& s, const peer_spec& p) {
  if (auto why = check_peer_id(p.id); !why.empty())
    return D::reject("invalid", "peer id '" + p.id + "': " + why);
  if (auto why = check_domain(p.domain); !why.empty())
    return D::reject("invalid", "domain '" + p.domain + "': " + why);
  if (auto why = check_address(p.address); !why.empty())
    return D::reject("invalid", "address '" + p.address + "': " + why);
  if (p.key == public_key{})
    return D::reject("invalid", "the all-zero key is not a valid X25519 public key");
  if (const peer* old = s.find(p.id); old && old->role != role::removed)
    return D::reject("already_exists", "peer '" + p.id + "' is already a " + std::string(to_string(old->role)));
  for (const auto& [id, other] : s.peers)
    if (other.spec.key == p.key)
      return D::reject("key_taken", "that key is (or was) peer '" + id + "''s" +
                                        (other.role == role::removed ? " (removed: a revoked key never returns)" : ""));
  return D::accept(std::vector<event>{});
}

D decide_configure(const state& s, const configure& c) {
  if (auto why = check_config(c.config); !why.empty())
    return D::reject("invalid", why);
  if (s.configured && s.config == c.config)
    return D::reject("no_change", "the cluster already has this configuration");
  return D::accept(configured{c.config});
}

D decide_add_server(const state& s, const add_server& c) {
  if (auto d = check_peer(s, c.peer); !d.accepted())
    return d;
  if (!s.needs_promotion())
    return D::reject("quorum_full", "the quorum has " + std::to_string(s.count(role::member)) + " members and " +
                                        std::to_string(s.count(role::promoting)) + " promoting for a target of " +
                                        std::to_string(s.config.target) + ": add a node instead");
  return D::accept(server_added{c.peer});
}

D decide_add_node(const state& s, const add_node& c) {
  if (auto d = check_peer(s, c.peer); !d.accepted())
    return d;
  return D::accept(node_added{c.peer});
}

D decide_add_client(const state& s, const add_client& c) {
  if (auto d = check_peer(s, c.peer); !d.accepted())
    return d;
  return D::accept(client_added{c.peer});
}

D decide_record_tunnel(const state& s, const record_tunnel& c) {
  const peer* p = s.find(c.peer);
  if (!p)
    return D::reject("unknown_peer", "no peer '" + c.peer + "'");
  if (c.handshake_hash.size() != 128 ||
      c.handshake_hash.find_first_not_of("0123456789abcdef") != std::string::npos)
    return D::reject("invalid", "a handshake hash is 128 lowercase hex characters");
  const tunnel_record* known = nullptr;
  for (const auto& t : s.tunnels)
    if (t.peer == c.peer && t.handshake_hash == c.handshake_hash)
      known = &t;
  if (!c.opened) {
    if (!known || known->closed_at_ns != 0)
      return D::reject("no_such_tunnel", "peer '" + c.peer + "' has no open tunnel with that handshake hash");
    return D::accept(tunnel_closed{c.peer, c.handshake_hash, c.reason, c.now_ns});
  }
  if (p->role == role::removed)
    return D::reject("removed", "peer '" + c.peer + "' is removed: its key opens no tunnel");
  if (c.with.empty())
    return D::reject("invalid", "a tunnel needs its other end");
  if (known)
    return D::reject("already_recorded", "that tunnel of '" + c.peer + "' is recorded already");
  return D::accept(tunnel_opened{c.peer, c.with, c.handshake_hash, c.now_ns});
}

D decide_remove(const state& s, const remove_node& c) {
  const peer* p = s.find(c.id);
  if (!p)
    return D::reject("unknown_peer", "no peer '" + c.id + "'");
  if (p->role == role::removed)
    return D::reject("already_removed", "peer '" + c.id + "' is already removed");
  std::vector<event> out;
  if (p->role == role::member)
    out.push_back(server_lost{s.losses.size() + 1, c.id, "operator", 0, 0, c.now_ns, "removed"});
  if (p->role == role::promoting)
    if (const auto* pr = s.promotion_of(c.id))
      out.push_back(promotion_failed{pr->id, c.id, "removed", c.now_ns});
  out.push_back(peer_removed{c.id, p->role, c.now_ns});
  return D::accept(std::move(out));
}

D decide_report_lost(const state& s, const report_lost& c) {
  const peer* p = s.find(c.server);
  if (!p)
    return D::reject("unknown_peer", "no peer '" + c.server + "'");
  if (p->role == role::lost)
    return D::reject("already_lost", "server '" + c.server + "' is already recorded lost");
  if (p->role != role::member)
    return D::reject("not_a_member", "peer '" + c.server + "' is a " + std::string(to_string(p->role)) +
                                         ", not a member (a promoting node that dies is report_failed)");
  if (c.observer.empty())
    return D::reject("invalid", "a loss needs its observer");
  if (!std::isfinite(c.phi) || c.phi < s.config.phi_threshold)
    return D::reject("phi_below_threshold", "phi " + std::to_string(c.phi) + " is below the threshold " +
                                                std::to_string(s.config.phi_threshold));
  if (c.last_heartbeat_ns > c.now_ns)
    return D::reject("invalid", "the last heartbeat is later than now");
  return D::accept(server_lost{s.losses.size() + 1, c.server, c.observer, c.phi, c.last_heartbeat_ns, c.now_ns, "phi"});
}

D decide_promote(const state& s, const promote& c) {
  auto l = s.losses.find(c.loss);
  if (l == s.losses.end())
    return D::reject("unknown_loss", "no loss " + std::to_string(c.loss));
  if (l->second.status != loss_status::open)
    return D::reject("loss_already_filled", "loss " + std::to_string(c.loss) + " is " +
                                                std::string(to_string(l->second.status)));
  if (const auto* p = s.active_promotion(c.loss))
    return D::reject("promotion_in_progress",
                     "promotion " + std::to_string(p->id) + " of '" + p->node + "' is filling loss " + std::to_string(c.loss));
  if (!s.needs_promotion())
    return D::reject("quorum_full", std::to_string(s.count(role::member)) + " members and " +
                                        std::to_string(s.count(role::promoting)) + " promoting for a target of " +
                                        std::to_string(s.config.target));
  auto pick = choose(s, c.candidates);
  if (!pick.chosen)
    return D::reject("no_eligible_node", pick.why);
  const auto& winner = c.candidates[*pick.chosen];
  promotion_started e;
  e.promotion = s.promotions.size() + 1;
  e.loss = c.loss;
  e.node = winner.node;
  e.at_ns = c.now_ns;
  e.applied_offset = winner.applied_offset;
  e.head_offset = winner.head_offset;
  e.domain = s.find(winner.node)->spec.domain;
  e.verdicts = std::move(pick.verdicts);
  e.why = std::move(pick.why);
  return D::accept(std::move(e));
}

D decide_report_ready(const state& s, const report_ready& c) {
  const auto* p = s.promotion_of(c.node);
  if (!p)
    return D::reject("not_promoting", "'" + c.node + "' has no promotion under way");
  if (c.head_offset < c.applied_offset)
    return D::reject("invalid", "the applied offset is past the head");
  const auto lag = c.head_offset - c.applied_offset;
  if (lag > s.config.max_lag && !events::planted(events::planted_bug::promote_lagging))
    return D::reject("not_caught_up", "'" + c.node + "' is " + std::to_string(lag) +
                                          " records behind the head, more than " + std::to_string(s.config.max_lag));
  return D::accept(promotion_ready{p->id, c.node, c.applied_offset, c.head_offset, c.now_ns});
}

D decide_report_failed(const state& s, const report_failed& c) {
  const auto* p = s.promotion_of(c.node);
  if (!p)
    return D::reject("not_promoting", "'" + c.node + "' has no promotion under way");
  return D::accept(promotion_failed{p->id, c.node, c.reason.empty() ? "failed" : c.reason, c.now_ns});
}

D decide_report_back(const state& s, const report_back& c) {
  const peer* p = s.find(c.server);
  if (!p)
    return D::reject("unknown_peer", "no peer '" + c.server + "'");
  if (p->role != role::lost)
    return D::reject("not_lost", "peer '" + c.server + "' is a " + std::string(to_string(p->role)) + ", not lost");
  const loss* l = s.open_loss_of(c.server);
  const std::uint64_t id = l ? l->id : 0;
  const bool filling = l && s.active_promotion(l->id);
  const bool room = s.needs_promotion();  // members + promoting < target
  return D::accept(server_returned{c.server, id, (room && !filling) ? role::member : role::node, c.now_ns});
}

} // namespace

decision<event> decide(const state& s, const command& c) {
  if (!s.configured && !std::holds_alternative<configure>(c))
    return D::reject("not_configured", "configure the cluster first (its target size)");
  return std::visit(overloaded{
                        [&](const configure& x) { return decide_configure(s, x); },
                        [&](const add_server& x) { return decide_add_server(s, x); },
                        [&](const add_node& x) { return decide_add_node(s, x); },
                        [&](const remove_node& x) { return decide_remove(s, x); },
                        [&](const report_lost& x) { return decide_report_lost(s, x); },
                        [&](const promote& x) { return decide_promote(s, x); },
                        [&](const report_ready& x) { return decide_report_ready(s, x); },
                        [&](const report_failed& x) { return decide_report_failed(s, x); },
                        [&](const report_back& x) { return decide_report_back(s, x); },
                        [&](const add_client& x) { return decide_add_client(s, x); },
                        [&](const record_tunnel& x) { return decide_record_tunnel(s, x); },
                    },
                    c);
}

// -- helpers ------------------------------------------------------------------------

std::string_view to_string(role r) {
  switch (r) {
    case role::member: return "member";
    case role::node: return "node";
    case role::promoting: return "promoting";
    case role::lost: return "lost";
    case role::removed: return "removed";
    case role::client: return "client";
  }
  return "?";
}

std::string_view to_string(loss_status s) {
  switch (s) {
    case loss_status::open: return "open";
    case loss_status::filled: return "filled";
    case loss_status::returned: return "returned";
  }
  return "?";
}

std::string_view to_string(promotion_state s) {
  switch (s) {
    case promotion_state::started: return "started";
    case promotion_state::ready: return "ready";
    case promotion_state::failed: return "failed";
  }
  return "?";
}

namespace {
bool lower_or_digit(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'); }
bool name_char(char ch) { return lower_or_digit(ch) || ch == '_' || ch == '.' || ch == '-'; }
} // namespace

std::string check_peer_id(std::string_view id) {
  if (id.empty() || id.size() > 63)
    return "must be 1 to 63 characters";
  if (!lower_or_digit(id.front()))
    return "must start with a lowercase letter or digit";
  if (!std::all_of(id.begin(), id.end(), name_char))
    return "may hold only a-z, 0-9, '_', '.', '-'";
  return {};
}

std::string check_domain(std::string_view domain) {
  if (domain.empty())
    return {};  // no domain
  return check_peer_id(domain);
}

std::string check_address(std::string_view address) {
  if (address.empty())
    return {};  // for the record only: peers dial the director
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return "must be host:port";
  const auto port = address.substr(colon + 1);
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    return "the port must be a number";
  const auto n = std::stoul(std::string(port));
  if (n == 0 || n > 65535)
    return "the port must be 1 to 65535";
  if (address.size() > 255)
    return "is too long";
  for (char ch : address)
    if (static_cast<unsigned char>(ch) <= ' ')
      return "must not hold spaces or control characters";
  return {};
}

std::string check_config(const config& c) {
  if (c.target < 1)
    return "the target size must be at least 1";
  if (c.grace_ns < 0)
    return "the grace must not be negative";
  if (!std::isfinite(c.phi_threshold) || c.phi_threshold <= 0)
    return "the phi threshold must be a positive number";
  if (c.heartbeat_interval_ns <= 0)
    return "the heartbeat interval must be positive";
  if (c.director_key && *c.director_key == public_key{})
    return "the all-zero key is not a valid director key";
  return {};
}

std::string to_hex(const public_key& k) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (auto b : k.bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

bool parse_key_hex(std::string_view hex, public_key& out) {
  if (hex.size() != 64)
    return false;
  auto nibble = [](char ch) -> int {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
  };
  public_key k;
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    k.bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  out = k;
  return true;
}

} // namespace storemesh::services::cluster
