#include "services/consensus/agreement_codec.hpp"

#include "services/codec_errc.hpp"
#include "services/capnp_read.hpp"
#include "services/state_bytes.hpp"

namespace storemesh::services::topology {
namespace {

namespace S = schema::consensus;


S::ProposalStatus to_schema(proposal_status s) {
  switch (s) {
    case proposal_status::open: return S::ProposalStatus::OPEN;
    case proposal_status::agreed: return S::ProposalStatus::AGREED;
    case proposal_status::refused: return S::ProposalStatus::REFUSED;
    case proposal_status::expired: return S::ProposalStatus::EXPIRED;
    case proposal_status::superseded: return S::ProposalStatus::SUPERSEDED;
  }
  return S::ProposalStatus::OPEN;
}

result<proposal_status> from_schema(S::ProposalStatus s) {
  switch (s) {
    case S::ProposalStatus::OPEN: return proposal_status::open;
    case S::ProposalStatus::AGREED: return proposal_status::agreed;
    case S::ProposalStatus::REFUSED: return proposal_status::refused;
    case S::ProposalStatus::EXPIRED: return proposal_status::expired;
    case S::ProposalStatus::SUPERSEDED: return proposal_status::superseded;
  }
  return make_error(codec_errc::unknown_variant, "proposal status " + std::to_string(static_cast<int>(s)));
}

void write_config(const config& c, S::TopologyConfig::Builder b) {
  b.setQuorum(c.quorum);
  b.setWindowNs(c.window_ns);
}

config read_config(S::TopologyConfig::Reader b) { return config{b.getQuorum(), b.getWindowNs()}; }


unsigned size_of(std::size_t n) { return static_cast<unsigned>(n); }

} // namespace

// -- commands -------------------------------------------------------------------------

void entity::write_command(const command& c, schema::Envelope::Builder e) {
  auto cmd = e.getPayload().initTopologyCommand();
  std::visit(overloaded{
                 [&](const configure& x) { write_config(x.config, cmd.initConfigure()); },
                 [&](const enroll& x) { cmd.initEnroll().setRouter(x.router); },
                 [&](const seed& x) { cmd.initSeed().setCid(x.cid); },
                 [&](const propose& x) {
                   auto g = cmd.initPropose();
                   g.setProposal(x.proposal);
                   g.setCid(x.cid);
                   g.setProposer(x.proposer);
                   g.setBaseCid(x.base_cid);
                   g.setDeadlineNs(x.deadline_ns);
                 },
                 [&](const cast_vote& x) {
                   auto g = cmd.initVote();
                   g.setProposal(x.proposal);
                   g.setRouter(x.router);
                   g.setAccept(x.accept);
                   g.setReason(x.reason);
                   g.setAtNs(x.at_ns);
                 },
                 [&](const expire& x) {
                   auto g = cmd.initExpire();
                   g.setProposal(x.proposal);
                   g.setNowNs(x.now_ns);
                 },
             },
             c);
}

result<command> entity::read_command(schema::Envelope::Reader e) {
  if (!e.getPayload().isTopologyCommand())
    return make_error(codec_errc::wrong_payload, "expected a topology command");
  return guarded("topology command", [&]() -> result<command> {
    auto cmd = e.getPayload().getTopologyCommand();
    using C = S::TopologyCommand;
    switch (cmd.which()) {
      case C::CONFIGURE: return command{configure{read_config(cmd.getConfigure())}};
      case C::ENROLL: return command{enroll{text(cmd.getEnroll().getRouter())}};
      case C::SEED: return command{seed{text(cmd.getSeed().getCid())}};
      case C::PROPOSE: {
        auto g = cmd.getPropose();
        return command{propose{text(g.getProposal()), text(g.getCid()), text(g.getProposer()), text(g.getBaseCid()),
                               g.getDeadlineNs()}};
      }
      case C::VOTE: {
        auto g = cmd.getVote();
        return command{cast_vote{text(g.getProposal()), text(g.getRouter()), g.getAccept(), text(g.getReason()),
                                 g.getAtNs()}};
      }
      case C::EXPIRE: {
        auto g = cmd.getExpire();
        return command{expire{text(g.getProposal()), g.getNowNs()}};
      }
    }
    return make_error(codec_errc::unknown_variant, "topology command " + std::to_string(static_cast<int>(cmd.which())));
  });
}

// -- events ---------------------------------------------------------------------------

void entity::write_event(const event& ev, schema::Envelope::Builder e) {
  auto out = e.getPayload().initTopologyEvent();
  std::visit(overloaded{
                 [&](const configured& x) { write_config(x.config, out.initConfigured()); },
                 [&](const enrolled& x) { out.initEnrolled().setRouter(x.router); },
                 [&](const seeded& x) {
                   auto g = out.initSeeded();
                   g.setCid(x.cid);
                   g.setEpoch(x.epoch);
                 },
                 [&](const proposed& x) {
                   auto g = out.initProposed();
                   g.setProposal(x.proposal);
                   g.setCid(x.cid);
                   g.setProposer(x.proposer);
                   g.setBaseCid(x.base_cid);
                   g.setDeadlineNs(x.deadline_ns);
                 },
                 [&](const voted& x) {
                   auto g = out.initVoted();
                   g.setProposal(x.proposal);
                   g.setRouter(x.router);
                   g.setAccept(x.accept);
                   g.setReason(x.reason);
                   g.setAtNs(x.at_ns);
                 },
                 [&](const agreed& x) {
                   auto g = out.initAgreed();
                   g.setProposal(x.proposal);
                   g.setCid(x.cid);
                   g.setEpoch(x.epoch);
                 },
                 [&](const refused& x) {
                   auto g = out.initRefused();
                   g.setProposal(x.proposal);
                   g.setRejects(x.rejects);
                   g.setQuorum(x.quorum);
                   g.setEnrolled(x.enrolled);
                 },
                 [&](const expired& x) {
                   auto g = out.initExpired();
                   g.setProposal(x.proposal);
                   g.setAtNs(x.at_ns);
                 },
                 [&](const superseded& x) {
                   auto g = out.initSuperseded();
                   g.setProposal(x.proposal);
                   g.setBy(x.by);
                 },
             },
             ev);
}

result<event> entity::read_event(schema::Envelope::Reader e) {
  if (!e.getPayload().isTopologyEvent())
    return make_error(codec_errc::wrong_payload, "expected a topology event");
  return guarded("topology event", [&]() -> result<event> {
    auto ev = e.getPayload().getTopologyEvent();
    using E = S::TopologyEvent;
    switch (ev.which()) {
      case E::CONFIGURED: return event{configured{read_config(ev.getConfigured())}};
      case E::ENROLLED: return event{enrolled{text(ev.getEnrolled().getRouter())}};
      case E::SEEDED: {
        auto g = ev.getSeeded();
        return event{seeded{text(g.getCid()), g.getEpoch()}};
      }
      case E::PROPOSED: {
        auto g = ev.getProposed();
        return event{proposed{text(g.getProposal()), text(g.getCid()), text(g.getProposer()), text(g.getBaseCid()),
                              g.getDeadlineNs()}};
      }
      case E::VOTED: {
        auto g = ev.getVoted();
        return event{
            voted{text(g.getProposal()), text(g.getRouter()), g.getAccept(), text(g.getReason()), g.getAtNs()}};
      }
      case E::AGREED: {
        auto g = ev.getAgreed();
        return event{agreed{text(g.getProposal()), text(g.getCid()), g.getEpoch()}};
      }
      case E::REFUSED: {
        auto g = ev.getRefused();
        return event{refused{text(g.getProposal()), g.getRejects(), g.getQuorum(), g.getEnrolled()}};
      }
      case E::EXPIRED: {
        auto g = ev.getExpired();
        return event{expired{text(g.getProposal()), g.getAtNs()}};
      }
      case E::SUPERSEDED: {
        auto g = ev.getSuperseded();
        return event{superseded{text(g.getProposal()), text(g.getBy())}};
      }
    }
    return make_error(codec_errc::unknown_variant, "topology event " + std::to_string(static_cast<int>(ev.which())));
  });
}

// -- state ----------------------------------------------------------------------------

std::string entity::write_state(const state& s) {
  return state_to_bytes<S::TopologyState>([&](S::TopologyState::Builder root) {
    root.setConfigured(s.configured);
    write_config(s.config, root.initConfig());
    auto routers = root.initRouters(size_of(s.routers.size()));
    for (unsigned i = 0; i < s.routers.size(); ++i)
      routers.set(i, s.routers[i]);
    root.setAgreedCid(s.agreed_cid);
    root.setEpoch(s.epoch);
    root.setAgreedBy(s.agreed_by);
    const auto ordered = s.in_order();
    auto proposals = root.initProposals(size_of(ordered.size()));
    for (unsigned i = 0; i < ordered.size(); ++i) {
      const auto& p = *ordered[i];
      auto b = proposals[i];
      b.setId(p.id);
      b.setNumber(p.number);
      b.setCid(p.cid);
      b.setProposer(p.proposer);
      b.setBaseCid(p.base_cid);
      b.setDeadlineNs(p.deadline_ns);
      b.setStatus(to_schema(p.status));
      auto votes = b.initVotes(size_of(p.votes.size()));
      for (unsigned j = 0; j < p.votes.size(); ++j) {
        votes[j].setRouter(p.votes[j].router);
        votes[j].setAccept(p.votes[j].accept);
        votes[j].setReason(p.votes[j].reason);
        votes[j].setAtNs(p.votes[j].at_ns);
      }
      b.setEpoch(p.epoch);
      b.setClosedBy(p.closed_by);
      b.setClosedAtNs(p.closed_at_ns);
    }
  });
}

result<state> entity::read_state(std::string_view bytes) {
  return state_from_bytes<S::TopologyState>(bytes, "topology", [](S::TopologyState::Reader root) -> result<state> {
    state s;
    s.configured = root.getConfigured();
    s.config = read_config(root.getConfig());
    for (auto r : root.getRouters())
      s.routers.push_back(text(r));
    s.agreed_cid = text(root.getAgreedCid());
    s.epoch = root.getEpoch();
    s.agreed_by = text(root.getAgreedBy());
    for (auto b : root.getProposals()) {
      proposal p;
      p.id = text(b.getId());
      p.number = b.getNumber();
      p.cid = text(b.getCid());
      p.proposer = text(b.getProposer());
      p.base_cid = text(b.getBaseCid());
      p.deadline_ns = b.getDeadlineNs();
      SM_TRY(p.status, from_schema(b.getStatus()));
      for (auto v : b.getVotes())
        p.votes.push_back(vote{text(v.getRouter()), v.getAccept(), text(v.getReason()), v.getAtNs()});
      p.epoch = b.getEpoch();
      p.closed_by = text(b.getClosedBy());
      p.closed_at_ns = b.getClosedAtNs();
      const auto id = p.id;
      if (!s.proposals.emplace(id, std::move(p)).second)
        return make_error(codec_errc::malformed, "topology state: proposal '" + id + "' twice");
    }
    return s;
  });
}

} // namespace storemesh::services::topology
