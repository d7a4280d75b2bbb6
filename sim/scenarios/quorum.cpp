// The quorum scenario: one cluster of three management servers and four
// nodes. The scenario plays the operator (configure, add the peers, remove
// one now and then and add a fresh node), the world the peers live in (a log
// head that moves, in bursts too, replicas that apply it at their own pace,
// peers that die and come back), the director and the promoted nodes. The
// director is the production monitor (services/tunnels/director/monitor.hpp,
// paced by pacer.hpp) fed with what it measures: phi from the time since a
// peer's last heartbeat, each replica's applied offset, the head. So it
// reports members lost, offers every node with its facts (lagging and
// unhealthy ones included) and lets the decider choose, reports a promoted
// node failed when it dies and a lost server back when it heartbeats again.
// A promoted node reports ready once it caught up, after a few steps of sync.
// The director also records tunnels opening and closing. Commands may be
// lost: the pacer lets the director re-ask. Some commands are wrong on
// purpose (a node reported lost, phi too low, an unknown loss, a second
// promotion for a loss under way, a ready from a stale measure or an
// unpromoted node, a return of a member, a tunnel never opened): the decider
// must refuse them. The invariants are quorum_fold's.

#include "services/tunnels/director/monitor.hpp"
#include "services/tunnels/director/pacer.hpp"
#include "services/tunnels/quorum/cluster_codec.hpp"
#include "sim/scenarios/agent_pacing.hpp"
#include "sim/scenarios/follow_entity.hpp"
#include "sim/scenarios/quorum_fold.hpp"
#include "sim/scenarios/scenarios.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace storemesh::sim {
namespace {
namespace cl = services::cluster;
using services::issue;
using role = quorum_fold::role;

constexpr std::string_view cluster_id = "quorum-sim";
constexpr std::uint64_t max_lag = 10;
/// A peer as the world has it: alive or not, how far its replica applied.
struct peer_world {
  std::string id;
  std::string domain;
  bool server = false;
  bool alive = true;
  std::uint64_t applied = 0;
  std::uint64_t speed = 0;          ///< records applied per step at most
  std::uint64_t dead_since = 0;     ///< the step it died
  std::uint64_t back_at = 0;        ///< the step it comes back; 0: never
  std::int64_t last_heartbeat_ns = 0;
};

cl::public_key key_of(std::size_t n) {
  cl::public_key k;
  k.bytes.fill(static_cast<std::uint8_t>(n + 1));
  k.bytes[0] = 0x5e;  // apart from the keys other scenarios use
  return k;
}

std::string hex_hash(rng& r) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string h(128, '0');
  for (auto& ch : h)
    ch = digits[r.below(16)];
  return h;
}

class quorum_scenario final : public scenario {
public:
  std::string_view name() const override { return "quorum"; }

  void setup(step_context& ctx, std::vector<services::issued_command>& out) override {
    cl::config c;
    c.target = 3;
    c.grace_ns = 5'000'000'000;
    c.max_lag = max_lag;
    c.phi_threshold = 8.0;
    c.heartbeat_interval_ns = 1'000'000'000;
    c.use_domains = ctx.random.chance(500);
    setup_ns_ = ctx.now_ns;
    config_ = c;
    resends_.sent("configure", 0);
    first_to_die_ = "s" + std::to_string(ctx.random.between(1, 3));
    first_death_at_ = static_cast<std::uint64_t>(ctx.random.between(10, 50));
    out.push_back(cmd(cl::configure{c}));
    const char* domains[] = {"dc-a", "dc-b", "dc-c", "dc-d"};
    for (std::size_t i = 0; i < 7; ++i) {
      peer_world p;
      p.server = i < 3;
      p.id = p.server ? "s" + std::to_string(i + 1) : "n" + std::to_string(i - 2);
      p.domain = domains[ctx.random.below(4)];
      p.speed = p.server ? 30 : static_cast<std::uint64_t>(ctx.random.between(4, 16));
      p.last_heartbeat_ns = ctx.now_ns;
      world_.push_back(p);
      out.push_back(add(i));
      resends_.sent("add:" + p.id, 0);
    }
  }

  void step(step_context& ctx, std::vector<services::issued_command>& out) override {
    step_ = ctx.step;
    now_ = ctx.now_ns;
    view_.poll(ctx.log, [&](const std::string& id, const cl::event& e) {
      if (id != cluster_id)
        return;
      (void)agents_.apply(e);
      cluster_ = cl::evolve(std::move(cluster_), e);
    });
    if (step_ns_ == 0)
      step_ns_ = std::max<std::int64_t>((now_ - setup_ns_) / static_cast<std::int64_t>(std::max<std::uint64_t>(step_, 1)), 1);
    if (step_ % agent_tick != 0)
      return;
    move_world(ctx.random);
    if (!agents_.configured()) {
      if (resends_.due("configure", step_))  // lost, or not decided yet: the operator asks again
        out.push_back(cmd(cl::configure{config_}));
      return;
    }
    for (std::size_t i = 0; i < world_.size(); ++i)
      if (!agents_.role_of(world_[i].id) && resends_.due("add:" + world_[i].id, step_))
        out.push_back(add(i));
    direct(ctx.random, out);
    report_promoted(ctx.random, out);
    tunnels(ctx.random, out);
    if (ctx.random.chance(10) && removals_ < 2)
      remove(ctx.random, out);
    if (ctx.random.chance(40))
      hostile(ctx.random, out);
  }

  std::optional<std::string> check(const log_view& log) override {
    if (violation_)
      return violation_;
    checked_.poll(
        log,
        [&](const std::string& id, const cl::event& e) {
          if (id == cluster_id && !violation_)
            violation_ = checker_.apply(e);
        },
        [&](const std::string& id, std::string_view code, const cl::command& c) {
          if (id == cluster_id && !violation_)
            violation_ = checker_.judge_refusal(code, c);
        });
    return violation_;
  }

private:
  template <class C>
  services::issued_command cmd(C c) {
    return issue<cl::entity>(std::string(cluster_id), cl::command{std::move(c)});
  }

  services::issued_command add(std::size_t i) {
    const auto& p = world_[i];
    cl::peer_spec spec{p.id, key_of(i), p.domain, ""};
    return p.server ? cmd(cl::add_server{spec}) : cmd(cl::add_node{spec});
  }

  peer_world* world_of(const std::string& id) {
    for (auto& p : world_)
      if (p.id == id)
        return &p;
    return nullptr;
  }

  /// The log's head moves (sometimes in a burst); replicas follow at their
  /// pace (a promoted node at twice its pace); peers die and come back.
  void move_world(rng& r) {
    head_ += static_cast<std::uint64_t>(r.between(0, 6));
    if (r.chance(30))
      head_ += 30;
    for (auto& p : world_) {
      if (p.alive) {
        const bool promoted = agents_.role_of(p.id) == role::promoting;
        p.applied = std::min(head_, p.applied + r.below(p.speed * (promoted ? 2 : 1) + 1));
        p.last_heartbeat_ns = now_;
        // Deaths: one server early in every run (the simulator's runs are
        // short and its log slow: a loss late in a run is never filled),
        // then any peer now and then.
        const bool early = p.id == first_to_die_ && step_ >= first_death_at_;
        if (early || r.chance(p.server ? 20 : 15)) {
          if (early)
            first_to_die_.clear();
          p.alive = false;
          p.dead_since = step_;
          p.back_at = r.chance(600) ? step_ + static_cast<std::uint64_t>(r.between(20, 80)) : 0;
        }
      } else if (p.back_at != 0 && step_ >= p.back_at) {
        p.alive = true;
      }
    }
  }

  cl::candidate facts_of(const peer_world& p, rng* r = nullptr) const {
    cl::candidate c{p.id, p.alive, p.applied, head_, p.domain};
    if (r && r->chance(30))
      c.domain = "dc-x";  // a node misreporting its domain: not eligible
    return c;
  }

  /// The director: the production monitor (services/tunnels/director/
  /// monitor.hpp) on what it measured now, paced as the director paces it
  /// (pacer.hpp). Its detector's phi grows with the time since a peer's last
  /// heartbeat. Now and then it restarts (its pacer forgotten) and, from a
  /// view that is behind, asks again for a promotion already under way.
  void direct(rng& r, std::vector<services::issued_command>& out) {
    if (!pacer_ || r.chance(20))
      pacer_.emplace(static_cast<std::int64_t>(agent_resend) * step_ns_);
    services::director::observation o;
    o.observer = "director";
    o.head_offset = head_;
    o.now_ns = now_;
    for (const auto& p : world_) {
      services::director::peer_facts f;
      f.phi = p.alive ? 0.5 : 8.0 * static_cast<double>(step_ - p.dead_since) / 3.0;
      f.last_heartbeat_ns = p.last_heartbeat_ns;
      f.applied_offset = p.applied;
      o.peers.emplace(p.id, f);
    }
    for (auto& c : services::director::assess(cluster_, o))
      if (pacer_->admit(services::director::describe(c), now_))
        out.push_back(cmd(std::move(c)));
    for (const auto& [id, pr] : agents_.promotions())
      if (pr.under_way && r.chance(50))
        out.push_back(cmd(cl::promote{pr.loss, candidates(r), now_}));
  }

  /// Every node, with the facts measured now (sometimes a misreported domain).
  std::vector<cl::candidate> candidates(rng& r) {
    std::vector<cl::candidate> cs;
    for (const auto& p : world_)
      if (agents_.role_of(p.id) == role::node)
        cs.push_back(facts_of(p, &r));
    return cs;
  }

  void report_promoted(rng& r, std::vector<services::issued_command>& out) {
    for (const auto& [id, pr] : agents_.promotions()) {
      if (!pr.under_way)
        continue;
      peer_world* p = world_of(pr.node);
      if (!p)
        continue;
      // A promoted node takes a few steps to sync its replica before it may report.
      const auto [since, fresh] = promoted_at_.try_emplace(id, step_ + static_cast<std::uint64_t>(r.between(5, 25)));
      if (p->alive && step_ >= since->second && head_ - p->applied <= max_lag) {
        if (resends_.due("ready:" + pr.node, step_))
          out.push_back(cmd(cl::report_ready{pr.node, p->applied, head_, now_}));
      }
      if (p->alive && r.chance(200)) {
        // A stale measure, from before it caught up: must be refused.
        const auto behind = max_lag + 1 + r.below(20);
        out.push_back(cmd(cl::report_ready{pr.node, head_ > behind ? head_ - behind : 0, head_, now_}));
      }
    }
  }

  void tunnels(rng& r, std::vector<services::issued_command>& out) {
    if (r.chance(50)) {
      const auto& p = world_[r.below(world_.size())];
      if (p.alive && agents_.role_of(p.id) && agents_.role_of(p.id) != role::removed)
        out.push_back(cmd(cl::record_tunnel{p.id, "director", hex_hash(r), true, "", now_}));
    }
    const auto& open = agents_.open_tunnels();
    if (!open.empty() && r.chance(50)) {
      auto it = open.begin();
      std::advance(it, static_cast<long>(r.below(open.size())));
      out.push_back(cmd(cl::record_tunnel{it->first, "", it->second, false, "peer closed", now_}));
    }
  }

  /// The operator takes a peer out for good (a member's removal is a loss, a
  /// promoting node's a failed promotion) and adds a fresh node instead.
  void remove(rng& r, std::vector<services::issued_command>& out) {
    const auto& p = world_[r.below(world_.size())];
    const auto role = agents_.role_of(p.id);
    if (!role || role == role::removed)
      return;
    ++removals_;
    out.push_back(cmd(cl::remove_node{p.id, now_}));
    peer_world fresh;
    fresh.id = "n" + std::to_string(world_.size() - 2);
    fresh.domain = p.domain;
    fresh.speed = static_cast<std::uint64_t>(r.between(4, 16));
    fresh.last_heartbeat_ns = now_;
    world_.push_back(fresh);
    out.push_back(add(world_.size() - 1));
    resends_.sent("add:" + fresh.id, step_);
  }

  /// Wrong commands, each of which the decider must refuse.
  void hostile(rng& r, std::vector<services::issued_command>& out) {
    const auto& p = world_[r.below(world_.size())];
    switch (r.below(7)) {
      case 0: out.push_back(cmd(cl::report_lost{p.id, "director", 1.0, now_ - 1, now_})); break;  // phi too low
      case 1:
        if (agents_.role_of(p.id) != role::member)  // not a member: lost is refused
          out.push_back(cmd(cl::report_lost{p.id, "director", 50.0, now_ - 1, now_}));
        break;
      case 2: out.push_back(cmd(cl::promote{agents_.losses().size() + 7, candidates(r), now_})); break;  // no such loss
      case 3:
        // A second promotion for a loss being filled (or else the last one, often filled).
        if (!agents_.promotions().empty() || !agents_.losses().empty()) {
          std::uint64_t loss = agents_.losses().empty() ? 1 : agents_.losses().rbegin()->first;
          for (const auto& [pid, pr] : agents_.promotions())
            if (pr.under_way)
              loss = pr.loss;
          out.push_back(cmd(cl::promote{loss, candidates(r), now_}));
        }
        break;
      case 4:
        if (!agents_.under_way_of(p.id))
          out.push_back(cmd(cl::report_ready{p.id, p.applied, head_, now_}));
        break;
      case 5:
        if (agents_.role_of(p.id) != role::lost)
          out.push_back(cmd(cl::report_back{p.id, now_}));
        break;
      case 6:
        out.push_back(cmd(cl::record_tunnel{p.id, "", hex_hash(r), false, "never opened", now_}));
        break;
    }
  }

  cl::config config_;
  std::vector<peer_world> world_;
  std::uint64_t head_ = 0;
  std::string first_to_die_;
  std::uint64_t first_death_at_ = 0;
  unsigned removals_ = 0;
  std::uint64_t step_ = 0;
  std::int64_t now_ = 0;
  resend_timer resends_;
  std::map<std::uint64_t, std::uint64_t> promoted_at_;  ///< by promotion: the step its node may report ready
  follow_entity<cl::entity> view_, checked_;
  quorum_fold agents_, checker_;
  cl::state cluster_;  ///< the director's view, as the monitor reads it
  std::optional<services::director::pacer> pacer_;
  std::int64_t setup_ns_ = 0;
  std::int64_t step_ns_ = 0;
  std::optional<std::string> violation_;
};

} // namespace

std::unique_ptr<scenario> make_quorum_scenario() { return std::make_unique<quorum_scenario>(); }

} // namespace storemesh::sim
