// The consensus scenario: one network of three to five routers. Each router
// process is the production one's logic, services/consensus/router_plan.hpp
// (plan_router: seed, activate, announce, stamp, vote, expire), driven from
// the log as the router agent drives it; the scenario does the agent's I/O
// around it: its own topology file hashed into a CID (a file under 256 KiB is
// one raw block, as kubo hashes it), fetches from the content network
// (sometimes a corrupt copy, which fails verify_block: the router then votes
// reject, as the agent does on a failed fetch, or retries an activation),
// the review (services/consensus/topology/topology_review.hpp) against what
// it runs, the install in its plane. Routers crash and restart (their memory,
// what they sent and what they run, is gone: they start again from their own
// file, as `router run` does). An operator registers the routers and now and
// then proposes a new version of the agreed file (based on the agreed cid it
// sees, none before the seed), sometimes broken or not newer. Some commands
// are wrong on purpose (a vote from an unenrolled router, a vote changed, a
// vote after the deadline, a proposal id reused, an early expiry, a second
// seed): the decider must refuse them. The enrolment is the reaction's
// (router registered -> enroll), run by the simulator. The invariants are
// consensus_fold's.

#include "services/consensus/agreement_codec.hpp"
#include "services/consensus/content/cid.hpp"
#include "services/consensus/router_node_codec.hpp"
#include "services/consensus/router_plan.hpp"
#include "services/consensus/topology/topology.hpp"
#include "services/consensus/topology/topology_review.hpp"
#include "sim/scenarios/consensus_fold.hpp"
#include "sim/scenarios/agent_pacing.hpp"
#include "sim/scenarios/follow_entity.hpp"
#include "sim/scenarios/scenarios.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace storemesh::sim {
namespace {
namespace tp = services::topology;
namespace rt = services::router;
namespace cs = services::consensus;
using services::issue;

constexpr std::string_view network_id = "net-sim";
/// A router process: its own file and what it holds in memory (lost when it
/// crashes), as router_facts wants them.
struct router_proc {
  std::string name;
  std::string own_cid;
  bool alive = true;
  std::uint64_t back_at = 0;
  bool running = false;
  std::string running_cid;
  std::uint64_t running_epoch = 0;
  std::int64_t installed_at_ns = 0;
  std::optional<std::uint64_t> stamping;
  std::set<std::string> running_names;
  std::set<std::string> sent;
};

class consensus_scenario final : public scenario {
public:
  std::string_view name() const override { return "consensus"; }

  void setup(step_context& ctx, std::vector<services::issued_command>& out) override {
    const auto n = static_cast<std::size_t>(ctx.random.between(3, 5));
    for (std::size_t i = 1; i <= n; ++i)
      routers_.push_back(router_proc{"r" + std::to_string(i)});
    for (auto& r : routers_)
      r.own_cid = store(file(1, ctx.random, false));  // each its own file: the first seed wins
    quorum_ = static_cast<std::uint32_t>(ctx.random.pick(std::vector<int>{0, 0, 2, 3}));
    for (std::size_t i = 0; i < routers_.size(); ++i) {
      out.push_back(register_router(i));
      resends_.sent("register:" + routers_[i].name, 0);
    }
    setup_ns_ = ctx.now_ns;
    early_proposal_ = ctx.random.chance(300);
  }

  void step(step_context& ctx, std::vector<services::issued_command>& out) override {
    step_ = ctx.step;
    now_ = ctx.now_ns;
    view_topology_.poll(ctx.log, [&](const std::string& id, const tp::event& e) {
      if (id == network_id)
        network_ = tp::evolve(std::move(network_), e);
    });
    view_routers_.poll(ctx.log, [&](const std::string& id, const rt::event& e) {
      routers_state_[id] = rt::evolve(std::move(routers_state_[id]), e);
    });
    // The window is set once the clock's pace is known: 100 steps, time for
    // a proposal and its votes to pass the simulator's slow log.
    if (window_ == 0)
      window_ = std::max<std::int64_t>(
          100 * (now_ - setup_ns_) / static_cast<std::int64_t>(std::max<std::uint64_t>(step_, 1)), 1'000'000);
    if (step_ % agent_tick != 0)
      return;
    const tp::config wanted{quorum_, window_};
    if ((!network_.configured || network_.config != wanted) && resends_.due("configure", step_))  // lost, or not decided yet
      out.push_back(issue<tp::entity>(std::string(network_id), tp::configure{wanted}));
    for (std::size_t i = 0; i < routers_.size(); ++i) {
      const auto it = routers_state_.find(routers_[i].name);
      if ((it == routers_state_.end() || !it->second.registered) && resends_.due("register:" + routers_[i].name, step_))
        out.push_back(register_router(i));
    }
    // An operator quicker than the routers: a first topology proposed while
    // the network agreed nothing, so based on nothing, racing their seeds.
    if (early_proposal_ && network_.epoch == 0 && !routers_state_.empty()) {
      early_proposal_ = false;
      propose(ctx.random, out);
    }
    for (auto& r : routers_) {
      crash_or_restart(r, ctx.random);
      if (r.alive)
        run_router(r, ctx.random, out);
    }
    if (ctx.random.chance(50))
      propose(ctx.random, out);
    if (ctx.random.chance(40))
      hostile(ctx.random, out);
  }

  std::optional<std::string> check(const log_view& log) override {
    // One record at a time across both kinds, so that an announcement is
    // judged against the agreements before it in the log, not after.
    for (; !violation_ && checked_ < log.size(); ++checked_) {
      checked_topology_.poll(
          log, [&](const std::string& id, const tp::event& e) { violation_ = checker_.apply(id, e); },
          [](const std::string&, std::string_view, const tp::command&) {}, checked_ + 1);
      if (!violation_)
        checked_routers_.poll(
            log, [&](const std::string& id, const rt::event& e) { violation_ = checker_.apply(id, e); },
            [](const std::string&, std::string_view, const rt::command&) {}, checked_ + 1);
    }
    return violation_;
  }

private:

  services::issued_command register_router(std::size_t i) {
    rt::endpoints e{"127.0.0.1:" + std::to_string(9100 + 2 * i), "127.0.0.1:" + std::to_string(9101 + 2 * i),
                    std::string(network_id)};
    return issue<rt::entity>(routers_[i].name, rt::register_router{e});
  }

  /// A topology file of `version` for the routers: every router delivers its
  /// prefix, every other routes to it directly. Broken: a route for a prefix
  /// nobody declares (check_topology refuses it).
  std::string file(std::uint64_t version, rng& r, bool broken) const {
    std::string f = "topology " + std::to_string(version) + "\n";
    for (std::size_t i = 0; i < routers_.size(); ++i)
      f += "prefix 10." + std::to_string(i + 1) + ".0.0/16 at " + routers_[i].name + "\n";
    for (std::size_t i = 0; i < routers_.size(); ++i)
      for (std::size_t j = 0; j < routers_.size(); ++j)
        if (i != j)
          f += "route " + routers_[j].name + " 10." + std::to_string(i + 1) + ".0.0/16 via " + routers_[i].name +
               " metric " + std::to_string(r.between(1, 100)) + "\n";
    if (broken)
      f += "route " + routers_[0].name + " 10.200.0.0/16 via " + routers_[1].name + " metric 1\n";
    return f;
  }

  /// Puts a file in the content network; its CID.
  std::string store(std::string text) {
    auto cid = cs::cid::of(cs::codec_raw, text).to_string();
    content_.emplace(cid, std::move(text));
    return cid;
  }

  /// A fetch of `cid`, checked against it: none when the copy is corrupt.
  std::optional<std::string> fetch(const std::string& cid, rng& r) const {
    auto it = content_.find(cid);
    if (it == content_.end())
      return std::nullopt;
    std::string bytes = it->second;
    if (r.chance(80))
      bytes[bytes.size() / 2] ^= 0x20;
    auto parsed = cs::parse_cid(cid);
    if (!parsed || !cs::verify_block(parsed.value(), bytes))
      return std::nullopt;
    return bytes;
  }

  void crash_or_restart(router_proc& r, rng& rnd) {
    if (r.alive && rnd.chance(15)) {
      r.alive = false;
      r.back_at = step_ + static_cast<std::uint64_t>(rnd.between(15, 80));
    } else if (!r.alive && step_ >= r.back_at) {
      // A new process: nothing of the old one's memory.
      r = router_proc{r.name, r.own_cid};
    }
  }

  /// One tick of the router agent: plan_router's steps, with their I/O.
  void run_router(router_proc& r, rng& rnd, std::vector<services::issued_command>& out) {
    const std::string net(network_id);
    cs::router_facts f;
    f.self = r.name;
    f.network = net;
    f.now_ns = now_;
    f.own_cid = r.own_cid;
    f.running = r.running;
    f.running_cid = r.running_cid;
    f.running_epoch = r.running_epoch;
    f.installed_at_ns = r.installed_at_ns;
    f.stamping = r.stamping;
    f.running_names = r.running_names;
    f.sent = r.sent;
    f.switch_bound_ns = network_.config.window_ns;
    for (const auto& step : cs::plan_router(cs::network_view{network_, routers_state_}, f)) {
      std::visit(services::overloaded{
                     [&](const cs::send_seed& x) {
                       r.sent.insert(x.key);
                       out.push_back(issue<tp::entity>(net, tp::seed{x.cid}));
                     },
                     [&](const cs::activate& x) {
                       auto bytes = fetch(x.cid, rnd);
                       if (!bytes)
                         return;  // fetched again on the next tick
                       auto parsed = cs::parse_topology(*bytes);
                       if (!parsed)
                         return;
                       r.running = true;
                       r.running_cid = x.cid;
                       r.running_epoch = x.epoch;
                       r.installed_at_ns = now_;
                       r.running_names = cs::named_routers(parsed.value());
                       if (x.epoch == 0)
                         r.stamping = 0;  // its own file: stamped at once
                     },
                     [&](const cs::send_announce& x) {
                       r.sent.insert(x.key);
                       out.push_back(issue<rt::entity>(r.name, rt::announce{x.cid, x.epoch, now_}));
                     },
                     [&](const cs::stamp& x) { r.stamping = x.epoch; },
                     [&](const cs::review_and_vote& x) {
                       r.sent.insert(x.key);
                       out.push_back(issue<tp::entity>(net, review(r, x, rnd)));
                     },
                     [&](const cs::send_expire& x) {
                       r.sent.insert(x.key);
                       out.push_back(issue<tp::entity>(net, tp::expire{x.proposal, now_}));
                     },
                 },
                 step);
    }
  }

  /// The router's vote: reject what it cannot fetch or parse, else the review
  /// of the proposed file against the one it runs.
  tp::cast_vote review(const router_proc& r, const cs::review_and_vote& x, rng& rnd) {
    tp::cast_vote v{x.proposal, r.name, false, "", now_};
    auto bytes = fetch(x.cid, rnd);
    auto running = r.running ? content_.find(r.running_cid) : content_.end();
    if (!bytes) {
      v.reason = "reject: the fetched block does not hash to " + x.cid;
      return v;
    }
    auto proposed = cs::parse_topology(*bytes);
    if (!proposed) {
      v.reason = "reject: " + proposed.error().message();
      return v;
    }
    cs::topology current;  // nothing runs: the empty topology, as the agent reviews
    if (running != content_.end())
      if (auto t = cs::parse_topology(running->second))
        current = t.value();
    const auto verdict =
        cs::review_topology(current, proposed.value(), cs::routers_of(routers_state_, std::string(network_id)));
    v.accept = verdict.accept;
    v.reason = verdict.reason;
    return v;
  }

  /// The operator proposes a new version of the agreed file (none agreed: of
  /// its own first file), based on the agreed cid it sees.
  void propose(rng& rnd, std::vector<services::issued_command>& out) {
    const auto& proposer = rnd.pick(routers_);
    const auto current = content_.find(network_.epoch > 0 ? network_.agreed_cid : proposer.own_cid);
    if (current == content_.end())
      return;
    auto t = cs::parse_topology(current->second);
    if (!t)
      return;
    const bool not_newer = rnd.chance(100), broken = rnd.chance(100);
    const auto text = file(t.value().version + (not_newer ? 0 : 1), rnd, broken);
    tp::propose p{"p" + std::to_string(++proposals_), store(text), proposer.name, network_.agreed_cid,
                  now_ + network_.config.window_ns};
    if (rnd.chance(50) && network_.epoch > 1)
      p.base_cid = content_.begin()->first == p.base_cid ? std::next(content_.begin())->first
                                                          : content_.begin()->first;  // stale
    out.push_back(issue<tp::entity>(std::string(network_id), p));
  }

  /// Wrong commands, each of which the decider must refuse.
  void hostile(rng& r, std::vector<services::issued_command>& out) {
    const std::string net_id(network_id);
    const auto& who = r.pick(routers_).name;
    std::vector<const tp::proposal*> open = network_.open_proposals();
    switch (r.below(6)) {
      case 0:
        if (!open.empty())
          out.push_back(issue<tp::entity>(net_id, tp::cast_vote{r.pick(open)->id, "r9", true, "not enrolled", now_}));
        break;
      case 1:  // a vote changed after it was counted
        for (const auto& [id, p] : network_.proposals)
          for (const auto& v : p.votes) {
            out.push_back(issue<tp::entity>(net_id, tp::cast_vote{id, v.router, !v.accept, "changed my mind", now_}));
            return;
          }
        break;
      case 2:  // a vote after the deadline, from a router that has not voted
        if (!open.empty()) {
          const auto* p = r.pick(open);
          for (const auto& x : routers_)
            if (!p->vote_of(x.name)) {
              out.push_back(issue<tp::entity>(
                  net_id, tp::cast_vote{p->id, x.name, true, "late", p->deadline_ns + r.between(0, 5)}));
              break;
            }
        }
        break;
      case 3:  // a proposal id reused for another file
        if (!network_.proposals.empty())
          out.push_back(issue<tp::entity>(net_id, tp::propose{network_.proposals.begin()->first,
                                                              store(file(999, r, false)), who, network_.agreed_cid,
                                                              now_ + network_.config.window_ns}));
        break;
      case 4:  // an early expiry
        for (const auto* p : open)
          if (now_ < p->deadline_ns) {
            out.push_back(issue<tp::entity>(net_id, tp::expire{p->id, now_}));
            break;
          }
        break;
      case 5:  // a second seed, of another file
        if (network_.epoch > 0)
          out.push_back(issue<tp::entity>(net_id, tp::seed{store(file(1, r, false))}));
        break;
    }
  }

  std::vector<router_proc> routers_;
  std::map<std::string, std::string> content_;  ///< the content network: cid -> bytes
  std::uint32_t quorum_ = 0;
  std::int64_t window_ = 0;
  std::int64_t setup_ns_ = 0;
  std::uint64_t proposals_ = 0;
  bool early_proposal_ = false;
  std::uint64_t step_ = 0;
  std::int64_t now_ = 0;
  resend_timer resends_;
  tp::state network_;                            ///< the agents' view: the network's agreement
  std::map<std::string, rt::state> routers_state_;  ///< and every router, as plan_router reads them
  consensus_fold checker_;
  follow_entity<tp::entity> view_topology_, checked_topology_;
  follow_entity<rt::entity> view_routers_, checked_routers_;
  std::size_t checked_ = 0;
  std::optional<std::string> violation_;
};

} // namespace

std::unique_ptr<scenario> make_consensus_scenario() { return std::make_unique<consensus_scenario>(); }

} // namespace storemesh::sim
