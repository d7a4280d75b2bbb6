#include "services/consensus/agreement.hpp"

#include "services/consensus/names.hpp"

#include <algorithm>

namespace storemesh::services::topology {

// -- equality and queries -------------------------------------------------------

bool proposal::operator==(const proposal& o) const {
  return id == o.id && number == o.number && cid == o.cid && proposer == o.proposer && base_cid == o.base_cid &&
         deadline_ns == o.deadline_ns && status == o.status && votes == o.votes && epoch == o.epoch &&
         closed_by == o.closed_by && closed_at_ns == o.closed_at_ns;
}

bool state::operator==(const state& o) const {
  return configured == o.configured && config == o.config && routers == o.routers && agreed_cid == o.agreed_cid &&
         epoch == o.epoch && agreed_by == o.agreed_by && proposals == o.proposals;
}

const vote* proposal::vote_of(std::string_view router) const {
  for (const auto& v : votes)
    if (v.router == router)
      return &v;
  return nullptr;
}

std::uint32_t proposal::accepts() const {
  return static_cast<std::uint32_t>(std::count_if(votes.begin(), votes.end(), [](const vote& v) { return v.accept; }));
}

std::uint32_t proposal::rejects() const { return static_cast<std::uint32_t>(votes.size()) - accepts(); }

bool state::is_enrolled(std::string_view router) const {
  return std::find(routers.begin(), routers.end(), router) != routers.end();
}

const proposal* state::find(std::string_view id) const {
  auto it = proposals.find(std::string(id));
  return it == proposals.end() ? nullptr : &it->second;
}

std::vector<const proposal*> state::in_order() const {
  std::vector<const proposal*> out;
  for (const auto& [id, p] : proposals)
    out.push_back(&p);
  std::sort(out.begin(), out.end(), [](const proposal* a, const proposal* b) { return a->number < b->number; });
  return out;
}

std::vector<const proposal*> state::open_proposals() const {
  std::vector<const proposal*> out;
  for (const auto* p : in_order())
    if (p->open())
      out.push_back(p);
  return out;
}

std::uint32_t state::quorum_of(const topology::config& c, std::size_t enrolled) {
  const auto n = static_cast<std::uint32_t>(enrolled);
  if (c.quorum == 0)
    return n / 2 + 1;
  return std::min(c.quorum, n);
}

// -- evolve -----------------------------------------------------------------------
// Tolerant of events that refer to what is not there (the audit folds logs it
// does not trust): such an event changes nothing it cannot find. A proposal
// leaves `open` once; an event that would close a closed one changes nothing.

namespace {

/// The one transition out of `open`; every closed state is final.
proposal* transit_to(state& s, const std::string& id, proposal_status to) {
  auto it = s.proposals.find(id);
  if (it == s.proposals.end() || !it->second.open() || to == proposal_status::open)
    return nullptr;
  it->second.status = to;
  return &it->second;
}

} // namespace

state evolve(state s, const event& e) {
  std::visit(overloaded{
                 [&](const configured& c) {
                   s.configured = true;
                   s.config = c.config;
                 },
                 [&](const enrolled& x) {
                   if (!s.is_enrolled(x.router))
                     s.routers.push_back(x.router);
                 },
                 [&](const seeded& x) {
                   s.agreed_cid = x.cid;
                   s.epoch = x.epoch;
                   s.agreed_by.clear();
                 },
                 [&](const proposed& x) {
                   if (s.proposals.count(x.proposal) != 0)
                     return;
                   proposal p;
                   p.id = x.proposal;
                   p.number = s.proposals.size() + 1;
                   p.cid = x.cid;
                   p.proposer = x.proposer;
                   p.base_cid = x.base_cid;
                   p.deadline_ns = x.deadline_ns;
                   s.proposals.emplace(x.proposal, std::move(p));
                 },
                 [&](const voted& x) {
                   auto it = s.proposals.find(x.proposal);
                   if (it != s.proposals.end() && !it->second.vote_of(x.router))
                     it->second.votes.push_back(vote{x.router, x.accept, x.reason, x.at_ns});
                 },
                 [&](const agreed& x) {
                   if (auto* p = transit_to(s, x.proposal, proposal_status::agreed))
                     p->epoch = x.epoch;
                   s.agreed_cid = x.cid;
                   s.epoch = x.epoch;
                   s.agreed_by = x.proposal;
                 },
                 [&](const refused& x) { transit_to(s, x.proposal, proposal_status::refused); },
                 [&](const expired& x) {
                   if (auto* p = transit_to(s, x.proposal, proposal_status::expired))
                     p->closed_at_ns = x.at_ns;
                 },
                 [&](const superseded& x) {
                   if (auto* p = transit_to(s, x.proposal, proposal_status::superseded))
                     p->closed_by = x.by;
                 },
             },
             e);
  return s;
}

// -- decide -------------------------------------------------------------------------

namespace {

using D = decision<event>;
const D nothing = D::accept(std::vector<event>{});

D decide_configure(const state& s, const configure& c) {
  if (auto why = check_config(c.config); !why.empty())
    return D::reject("invalid", why);
  if (s.configured && s.config == c.config)
    return D::reject("no_change", "the network already has this configuration");
  return D::accept(configured{c.config});
}

D decide_enroll(const state& s, const enroll& c) {
  if (auto why = consensus::check_name(c.router); !why.empty())
    return D::reject("invalid", "router '" + c.router + "': " + why);
  if (s.is_enrolled(c.router))
    return nothing;
  return D::accept(enrolled{c.router});
}

D decide_seed(const state& s, const seed& c) {
  if (auto why = consensus::check_cid(c.cid); !why.empty())
    return D::reject("invalid", "cid '" + c.cid + "': " + why);
  if (s.epoch > 0) {
    if (s.agreed_by.empty() && s.agreed_cid == c.cid)
      return nothing;
    return D::reject("already_agreed", "the network already agreed on " + s.agreed_cid + " (epoch " +
                                           std::to_string(s.epoch) + "): propose a change instead");
  }
  // Proposals open now are based on nothing: the seed agrees the first
  // topology before them, so none may later be agreed over a topology it was
  // never based on (the simulator's consensus scenario found that race).
  std::vector<event> out{seeded{c.cid, 1}};
  for (const auto* p : s.open_proposals())
    out.push_back(superseded{p->id, ""});
  return D::accept(std::move(out));
}

D decide_propose(const state& s, const propose& c) {
  if (auto why = consensus::check_name(c.proposal); !why.empty())
    return D::reject("invalid", "proposal id '" + c.proposal + "': " + why);
  if (auto why = consensus::check_cid(c.cid); !why.empty())
    return D::reject("invalid", "cid '" + c.cid + "': " + why);
  if (!c.base_cid.empty())
    if (auto why = consensus::check_cid(c.base_cid); !why.empty())
      return D::reject("invalid", "base cid '" + c.base_cid + "': " + why);
  if (c.deadline_ns <= 0)
    return D::reject("invalid", "a proposal needs its deadline (the proposer's time + the window)");
  const proposed wanted{c.proposal, c.cid, c.proposer, c.base_cid, c.deadline_ns};
  if (const auto* p = s.find(c.proposal)) {
    const proposed had{p->id, p->cid, p->proposer, p->base_cid, p->deadline_ns};
    if (had == wanted)
      return nothing;
    return D::reject("proposal_exists", "proposal '" + c.proposal + "' exists already, for " + p->cid + " by " +
                                            p->proposer + " (" + std::string(to_string(p->status)) + ")");
  }
  if (!s.is_enrolled(c.proposer))
    return D::reject("not_enrolled", "router '" + c.proposer + "' is not enrolled in this network");
  if (c.base_cid != s.agreed_cid)
    return D::reject("stale", "the proposal is based on " + (c.base_cid.empty() ? "nothing" : c.base_cid) +
                                  " but the agreed topology is " +
                                  (s.agreed_cid.empty() ? "none yet" : s.agreed_cid + " (epoch " +
                                                                           std::to_string(s.epoch) + ")"));
  if (c.cid == s.agreed_cid)
    return D::reject("no_change", "the network already routes by " + c.cid);
  return D::accept(wanted);
}

D decide_vote(const state& s, const cast_vote& c) {
  const auto* p = s.find(c.proposal);
  if (!p)
    return D::reject("unknown_proposal", "no proposal '" + c.proposal + "'");
  if (!s.is_enrolled(c.router))
    return D::reject("not_enrolled", "router '" + c.router + "' is not enrolled in this network");
  if (const auto* v = p->vote_of(c.router)) {
    if (v->accept == c.accept)
      return nothing;
    return D::reject("already_voted", "router '" + c.router + "' already voted " +
                                          (v->accept ? "accept" : "reject") + " on '" + c.proposal + "'");
  }
  if (!p->open())
    return D::reject("proposal_closed", "proposal '" + c.proposal + "' is " + std::string(to_string(p->status)));
  if (c.at_ns >= p->deadline_ns)
    return D::reject("too_late", "the vote at " + std::to_string(c.at_ns) + " is not before the deadline " +
                                     std::to_string(p->deadline_ns));
  std::vector<event> out;
  out.push_back(voted{c.proposal, c.router, c.accept, c.reason, c.at_ns});
  const auto n = static_cast<std::uint32_t>(s.routers.size());
  const auto q = s.quorum();
  const auto accepts = p->accepts() + (c.accept ? 1 : 0);
  const auto rejects = p->rejects() + (c.accept ? 0 : 1);
  if (accepts >= q) {
    out.push_back(agreed{p->id, p->cid, s.epoch + 1});
    for (const auto* other : s.open_proposals())
      if (other->id != p->id)
        out.push_back(superseded{other->id, p->id});
  } else if (rejects > n || n - rejects < q) {
    out.push_back(refused{p->id, rejects, q, n});
  }
  return D::accept(std::move(out));
}

D decide_expire(const state& s, const expire& c) {
  const auto* p = s.find(c.proposal);
  if (!p)
    return D::reject("unknown_proposal", "no proposal '" + c.proposal + "'");
  if (!p->open())
    return nothing;
  if (c.now_ns < p->deadline_ns)
    return D::reject("not_due", "proposal '" + c.proposal + "' is open until " + std::to_string(p->deadline_ns) +
                                    ", " + std::to_string(p->deadline_ns - c.now_ns) + " ns from " +
                                    std::to_string(c.now_ns));
  return D::accept(expired{c.proposal, c.now_ns});
}

} // namespace

decision<event> decide(const state& s, const command& c) {
  return std::visit(overloaded{
                        [&](const configure& x) { return decide_configure(s, x); },
                        [&](const enroll& x) { return decide_enroll(s, x); },
                        [&](const seed& x) { return decide_seed(s, x); },
                        [&](const propose& x) { return decide_propose(s, x); },
                        [&](const cast_vote& x) { return decide_vote(s, x); },
                        [&](const expire& x) { return decide_expire(s, x); },
                    },
                    c);
}

// -- helpers ------------------------------------------------------------------------

std::string_view to_string(proposal_status s) {
  switch (s) {
    case proposal_status::open: return "open";
    case proposal_status::agreed: return "agreed";
    case proposal_status::refused: return "refused";
    case proposal_status::expired: return "expired";
    case proposal_status::superseded: return "superseded";
  }
  return "?";
}

std::string check_config(const config& c) {
  if (c.window_ns <= 0)
    return "the vote window must be positive";
  if (c.quorum > 1000)
    return "a quorum of " + std::to_string(c.quorum) + " routers is more than any network has (at most 1000)";
  return {};
}

} // namespace storemesh::services::topology
