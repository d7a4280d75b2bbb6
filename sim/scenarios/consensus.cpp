// The consensus scenario: one network of three to five routers. The scenario
// plays the routers' processes as they act on the log: each writes topology
// files (a prefix delivered at every router, a direct route to it from every
// other), hashes them into CIDs (raw blocks: a file under 256 KiB is one raw
// block, as kubo hashes it), proposes a new version now and then, fetches the
// proposals of the others from the content network (sometimes a corrupt copy,
// which fails verify_block and is fetched again), reviews them as a router
// does (services/consensus/topology/topology_review.hpp) and votes, expires
// its own proposals once their deadline passed, and activates (announces)
// every topology its network agreed. Routers go down and come back (then they
// vote late or never, and catch up on what was agreed meanwhile). Some files
// are broken or not newer, some proposals stale; some commands are wrong on
// purpose (a vote from an unenrolled router, a vote changed, a vote after the
// deadline, a proposal id reused, an early expiry, a second seed): the
// decider must refuse them. The enrolment is the reaction's (router
// registered -> enroll), run by the simulator. The invariants are
// consensus_fold's.

#include "services/consensus/agreement_codec.hpp"
#include "services/consensus/content/cid.hpp"
#include "services/consensus/router_node_codec.hpp"
#include "services/consensus/topology/topology.hpp"
#include "services/consensus/topology/topology_review.hpp"
#include "sim/scenarios/consensus_fold.hpp"
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

struct router_world {
  std::string name;
  bool alive = true;
  std::uint64_t back_at = 0;
  std::string active_cid;       ///< what it announced last
  std::uint64_t active_epoch = 0;
};

class consensus_scenario final : public scenario {
public:
  std::string_view name() const override { return "consensus"; }

  void setup(step_context& ctx, std::vector<services::issued_command>& out) override {
    const auto n = static_cast<std::size_t>(ctx.random.between(3, 5));
    for (std::size_t i = 1; i <= n; ++i) {
      routers_.push_back(router_world{"r" + std::to_string(i)});
      known_.insert(routers_.back().name);
    }
    quorum_ = static_cast<std::uint32_t>(ctx.random.pick(std::vector<int>{0, 0, 2, 3}));
    for (std::size_t i = 0; i < routers_.size(); ++i)
      out.push_back(register_router(i));
    seed_cid_ = store(file(1, ctx.random, false));
    out.push_back(issue<tp::entity>(std::string(network_id), tp::seed{seed_cid_}));
    setup_ns_ = ctx.now_ns;
  }

  void step(step_context& ctx, std::vector<services::issued_command>& out) override {
    step_ = ctx.step;
    now_ = ctx.now_ns;
    view_topology_.poll(ctx.log, [&](const std::string& id, const tp::event& e) { (void)view_.apply(id, e); });
    view_routers_.poll(ctx.log, [&](const std::string& id, const rt::event& e) { (void)view_.apply(id, e); });
    const auto* net = view_.find(std::string(network_id));
    // The window is set once the clock's pace is known: about 15 steps.
    if (window_ == 0)
      window_ = std::max<std::int64_t>(15 * (now_ - setup_ns_) / static_cast<std::int64_t>(std::max<std::uint64_t>(step_, 1)),
                                       1'000'000);
    const tp::config wanted{quorum_, window_};
    if ((!net || net->config != wanted) && due("configure", 10))  // lost, or not decided yet
      out.push_back(issue<tp::entity>(std::string(network_id), tp::configure{wanted}));
    retry_setup(out);
    move_routers(ctx.random);
    if (!net || net->epoch == 0)
      return;
    for (auto& r : routers_) {
      if (!r.alive)
        continue;
      activate(r, *net, out);
      vote(r, *net, ctx.random, out);
      expire(r, *net, out);
    }
    if (ctx.random.chance(50))
      propose(ctx.random.pick(routers_), *net, ctx.random, out);
    if (ctx.random.chance(40))
      hostile(*net, ctx.random, out);
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
  bool due(const std::string& what, std::uint64_t every) {
    auto [it, fresh] = last_.try_emplace(what, step_);
    if (!fresh && step_ < it->second + every)
      return false;
    it->second = step_;
    return true;
  }

  services::issued_command register_router(std::size_t i) {
    const auto port = std::to_string(9100 + 2 * i);
    rt::endpoints e{"127.0.0.1:" + port, "127.0.0.1:" + std::to_string(9101 + 2 * i), std::string(network_id)};
    return issue<rt::entity>(routers_[i].name, rt::register_router{e});
  }

  /// Lost registrations and seed are sent again, as a router's start does.
  void retry_setup(std::vector<services::issued_command>& out) {
    for (std::size_t i = 0; i < routers_.size(); ++i)
      if (view_.network_of(routers_[i].name).empty() && due("register:" + routers_[i].name, 10))
        out.push_back(register_router(i));
    const auto* net = view_.find(std::string(network_id));
    if ((!net || net->epoch == 0) && due("seed", 10))
      out.push_back(issue<tp::entity>(std::string(network_id), tp::seed{seed_cid_}));
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

  /// The bytes a fetch of `cid` returns: sometimes a corrupt copy.
  std::optional<std::string> fetch(const std::string& cid, rng& r) const {
    auto it = content_.find(cid);
    if (it == content_.end())
      return std::nullopt;
    std::string bytes = it->second;
    if (r.chance(80))
      bytes[bytes.size() / 2] ^= 0x20;
    auto parsed = cs::parse_cid(cid);
    if (!parsed || !cs::verify_block(parsed.value(), bytes))
      return std::nullopt;  // refused as it arrived: fetched again later
    return bytes;
  }

  void move_routers(rng& r) {
    for (auto& x : routers_) {
      if (x.alive && r.chance(15)) {
        x.alive = false;
        x.back_at = step_ + static_cast<std::uint64_t>(r.between(3, 30));
      } else if (!x.alive && step_ >= x.back_at) {
        x.alive = true;
      }
    }
  }

  /// Routes by the newest topology the network agreed, once it is known.
  void activate(router_world& r, const consensus_fold::network& net, std::vector<services::issued_command>& out) {
    if (r.active_epoch == net.epoch && r.active_cid == net.agreed_cid)
      return;
    r.active_cid = net.agreed_cid;
    r.active_epoch = net.epoch;
    out.push_back(issue<rt::entity>(r.name, rt::announce{net.agreed_cid, net.epoch, now_}));
  }

  void vote(const router_world& r, const consensus_fold::network& net, rng& rnd,
            std::vector<services::issued_command>& out) {
    for (const auto& [id, p] : net.proposals) {
      if (!p.open || p.votes.count(r.name) || now_ >= p.deadline_ns || !rnd.chance(400))
        continue;
      if (!due("vote:" + id + ":" + r.name, 5))
        continue;
      auto proposed = fetch(p.cid, rnd);
      auto current = fetch(net.agreed_cid, rnd);
      if (!proposed || !current)
        continue;
      auto now_t = cs::parse_topology(*current);
      auto next_t = cs::parse_topology(*proposed);
      tp::cast_vote v{id, r.name, false, "", now_};
      if (!now_t || !next_t) {
        v.reason = "reject: the file does not parse";
      } else {
        const auto verdict = cs::review_topology(now_t.value(), next_t.value(), known_);
        v.accept = verdict.accept;
        v.reason = verdict.reason;
      }
      out.push_back(issue<tp::entity>(std::string(network_id), v));
    }
  }

  void expire(const router_world& r, const consensus_fold::network& net, std::vector<services::issued_command>& out) {
    for (const auto& [id, p] : net.proposals)
      if (p.open && p.proposer == r.name && now_ >= p.deadline_ns && due("expire:" + id, 5))
        out.push_back(issue<tp::entity>(std::string(network_id), tp::expire{id, now_}));
  }

  void propose(const router_world& r, const consensus_fold::network& net, rng& rnd,
               std::vector<services::issued_command>& out) {
    if (!r.alive)
      return;
    const auto current = content_.find(net.agreed_cid);
    if (current == content_.end())
      return;
    auto t = cs::parse_topology(current->second);
    if (!t)
      return;
    const bool not_newer = rnd.chance(100), broken = rnd.chance(100);
    const auto text = file(t.value().version + (not_newer ? 0 : 1), rnd, broken);
    tp::propose p{"p" + std::to_string(++proposals_), store(text), r.name, net.agreed_cid, now_ + window_};
    if (rnd.chance(50) && net.epoch > 1)
      p.base_cid = net.agreed.begin()->second;  // stale: based on an older round
    out.push_back(issue<tp::entity>(std::string(network_id), p));
  }

  /// Wrong commands, each of which the decider must refuse.
  void hostile(const consensus_fold::network& net, rng& r, std::vector<services::issued_command>& out) {
    const std::string net_id(network_id);
    const auto& who = r.pick(routers_).name;
    std::vector<std::string> open;
    for (const auto& [id, p] : net.proposals)
      if (p.open)
        open.push_back(id);
    switch (r.below(6)) {
      case 0:
        if (!open.empty())
          out.push_back(issue<tp::entity>(net_id, tp::cast_vote{r.pick(open), "r9", true, "not enrolled", now_}));
        break;
      case 1:  // a vote changed after it was counted
        for (const auto& [id, p] : net.proposals)
          for (const auto& [router, accept] : p.votes) {
            out.push_back(issue<tp::entity>(net_id, tp::cast_vote{id, router, !accept, "changed my mind", now_}));
            return;
          }
        break;
      case 2:  // a vote after the deadline
        if (!open.empty()) {
          const auto& id = r.pick(open);
          out.push_back(issue<tp::entity>(
              net_id, tp::cast_vote{id, who, true, "late", net.proposals.at(id).deadline_ns + r.between(0, 5)}));
        }
        break;
      case 3:  // a proposal id reused for another file
        if (!net.proposals.empty())
          out.push_back(issue<tp::entity>(
              net_id, tp::propose{net.proposals.begin()->first, store(file(999, r, false)), who, net.agreed_cid,
                                  now_ + window_}));
        break;
      case 4:  // an early expiry
        for (const auto& id : open)
          if (now_ < net.proposals.at(id).deadline_ns) {
            out.push_back(issue<tp::entity>(net_id, tp::expire{id, now_}));
            break;
          }
        break;
      case 5: out.push_back(issue<tp::entity>(net_id, tp::seed{store(file(1, r, false))})); break;
    }
  }

  std::vector<router_world> routers_;
  std::set<std::string> known_;
  std::map<std::string, std::string> content_;  ///< the content network: cid -> bytes
  std::string seed_cid_;
  std::uint32_t quorum_ = 0;
  std::int64_t window_ = 0;
  std::int64_t setup_ns_ = 0;
  std::uint64_t proposals_ = 0;
  std::uint64_t step_ = 0;
  std::int64_t now_ = 0;
  std::map<std::string, std::uint64_t> last_;
  consensus_fold view_, checker_;
  follow_entity<tp::entity> view_topology_, checked_topology_;
  follow_entity<rt::entity> view_routers_, checked_routers_;
  std::size_t checked_ = 0;
  std::optional<std::string> violation_;
};

} // namespace

std::unique_ptr<scenario> make_consensus_scenario() { return std::make_unique<consensus_scenario>(); }

} // namespace storemesh::sim
