#include "sim/scenarios/consensus_fold.hpp"

#include <algorithm>

namespace storemesh::sim {
namespace tp = services::topology;
namespace rt = services::router;
using services::overloaded;

std::uint32_t consensus_fold::quorum(const tp::config& c, std::size_t enrolled) {
  const auto n = static_cast<std::uint32_t>(enrolled);
  return c.quorum == 0 ? n / 2 + 1 : std::min(c.quorum, n);
}

const consensus_fold::network* consensus_fold::find(const std::string& id) const {
  auto it = networks_.find(id);
  return it == networks_.end() ? nullptr : &it->second;
}

std::string consensus_fold::network_of(const std::string& router) const {
  auto it = router_network_.find(router);
  return it == router_network_.end() ? std::string() : it->second;
}

std::optional<std::string> consensus_fold::apply(const std::string& id, const tp::event& e) {
  auto& n = networks_[id];
  std::optional<std::string> bad;
  auto open_proposal = [&](const std::string& p, const char* what) -> proposal* {
    auto it = n.proposals.find(p);
    if (it == n.proposals.end() || !it->second.open) {
      bad = "network " + id + ": proposal " + p + " " + what + " but it was not open";
      return nullptr;
    }
    return &it->second;
  };
  auto accepts = [](const proposal& p) {
    return static_cast<std::uint32_t>(std::count_if(p.votes.begin(), p.votes.end(), [](auto& v) { return v.second; }));
  };
  std::visit(
      overloaded{
          [&](const tp::configured& c) { n.config = c.config; },
          [&](const tp::enrolled& x) { n.enrolled.insert(x.router); },
          [&](const tp::seeded& x) {
            if (n.epoch != 0)
              bad = "network " + id + " seeded with " + x.cid + " after epoch " + std::to_string(n.epoch);
            n.agreed_cid = x.cid;
            n.epoch = x.epoch;
            n.agreed.emplace(x.epoch, x.cid);
          },
          [&](const tp::proposed& x) {
            if (n.proposals.count(x.proposal))
              bad = "network " + id + ": proposal " + x.proposal + " recorded twice";
            else if (!n.enrolled.count(x.proposer))
              bad = "network " + id + ": proposal " + x.proposal + " by " + x.proposer + ", who is not enrolled";
            else if (x.base_cid != n.agreed_cid)
              bad = "network " + id + ": proposal " + x.proposal + " based on a stale topology";
            n.proposals.emplace(x.proposal, proposal{x.cid, x.base_cid, x.proposer, x.deadline_ns, true, {}});
          },
          [&](const tp::voted& x) {
            const std::string what = "network " + id + ": " + x.router + "'s vote on " + x.proposal;
            auto* p = open_proposal(x.proposal, ("voted on by " + x.router).c_str());
            if (!p)
              return;
            if (p->votes.count(x.router))
              bad = what + " counted twice";
            else if (!n.enrolled.count(x.router))
              bad = what + ": it is not enrolled";
            else if (x.at_ns >= p->deadline_ns)
              bad = what + " cast at or after the deadline";
            p->votes.emplace(x.router, x.accept);
          },
          [&](const tp::agreed& x) {
            const std::string what = "network " + id + ": proposal " + x.proposal + " agreed as epoch " +
                                     std::to_string(x.epoch);
            auto* p = open_proposal(x.proposal, "agreed");
            if (p) {
              const auto q = quorum(n.config, n.enrolled.size());
              if (accepts(*p) < q)
                bad = what + " with " + std::to_string(accepts(*p)) + " accepts, short of the quorum " +
                      std::to_string(q) + " of " + std::to_string(n.enrolled.size());
              else if (x.cid != p->cid)
                bad = what + " for " + x.cid + ", not the proposed " + p->cid;
              else if (p->base_cid != n.agreed_cid)
                bad = what + " but it was based on " + p->base_cid + ", not the agreed " + n.agreed_cid;
              p->open = false;
            }
            if (!bad && (x.epoch != n.epoch + 1 || n.agreed.count(x.epoch)))
              bad = what + " after epoch " + std::to_string(n.epoch) + ": a round agreed twice or skipped";
            n.agreed_cid = x.cid;
            n.epoch = x.epoch;
            n.agreed.emplace(x.epoch, x.cid);
          },
          [&](const tp::refused& x) {
            if (auto* p = open_proposal(x.proposal, "refused")) {
              const auto q = quorum(n.config, n.enrolled.size());
              const auto rejects = static_cast<std::uint32_t>(p->votes.size()) - accepts(*p);
              if (n.enrolled.size() >= rejects && n.enrolled.size() - rejects >= q)
                bad = "network " + id + ": proposal " + x.proposal + " refused with " + std::to_string(rejects) +
                      " rejects of " + std::to_string(n.enrolled.size()) + ": the quorum " + std::to_string(q) +
                      " was still in reach";
              p->open = false;
            }
          },
          [&](const tp::expired& x) {
            if (auto* p = open_proposal(x.proposal, "expired")) {
              if (x.at_ns < p->deadline_ns)
                bad = "network " + id + ": proposal " + x.proposal + " expired before its deadline";
              p->open = false;
            }
          },
          [&](const tp::superseded& x) {
            if (auto* p = open_proposal(x.proposal, "superseded"))
              p->open = false;
          },
      },
      e);
  return bad;
}

std::optional<std::string> consensus_fold::apply(const std::string& id, const rt::event& e) {
  std::optional<std::string> bad;
  std::visit(overloaded{
                 [&](const rt::registered& r) { router_network_[id] = r.spec.network; },
                 [&](const rt::announced& a) {
                   if (a.epoch == 0)
                     return;  // its own file, not agreed by a vote
                   const auto* n = find(network_of(id));
                   const auto agreed = n ? n->agreed.find(a.epoch) : decltype(n->agreed.end()){};
                   if (!n || agreed == n->agreed.end())
                     bad = "router " + id + " activated " + a.cid + " as epoch " + std::to_string(a.epoch) +
                           ", which its network never agreed";
                   else if (agreed->second != a.cid)
                     bad = "router " + id + " activated " + a.cid + " as epoch " + std::to_string(a.epoch) +
                           ", but that round agreed " + agreed->second;
                 },
             },
             e);
  return bad;
}

} // namespace storemesh::sim
