#include "services/tunnels/quorum/cluster_codec.hpp"

#include "services/codec_errc.hpp"
#include "services/capnp_read.hpp"
#include "services/state_bytes.hpp"

#include <cstring>

namespace storemesh::services::cluster {
namespace {

namespace S = schema::cluster;

// -- enums ----------------------------------------------------------------------

S::Role to_schema(role r) {
  switch (r) {
    case role::member: return S::Role::MEMBER;
    case role::node: return S::Role::NODE;
    case role::promoting: return S::Role::PROMOTING;
    case role::lost: return S::Role::LOST;
    case role::removed: return S::Role::REMOVED;
    case role::client: return S::Role::CLIENT;
  }
  return S::Role::NODE;
}

result<role> from_schema(S::Role r) {
  switch (r) {
    case S::Role::MEMBER: return role::member;
    case S::Role::NODE: return role::node;
    case S::Role::PROMOTING: return role::promoting;
    case S::Role::LOST: return role::lost;
    case S::Role::REMOVED: return role::removed;
    case S::Role::CLIENT: return role::client;
  }
  return make_error(codec_errc::unknown_variant, "cluster role " + std::to_string(static_cast<int>(r)));
}

S::LossStatus to_schema(loss_status s) {
  switch (s) {
    case loss_status::open: return S::LossStatus::OPEN;
    case loss_status::filled: return S::LossStatus::FILLED;
    case loss_status::returned: return S::LossStatus::RETURNED;
  }
  return S::LossStatus::OPEN;
}

result<loss_status> from_schema(S::LossStatus s) {
  switch (s) {
    case S::LossStatus::OPEN: return loss_status::open;
    case S::LossStatus::FILLED: return loss_status::filled;
    case S::LossStatus::RETURNED: return loss_status::returned;
  }
  return make_error(codec_errc::unknown_variant, "loss status " + std::to_string(static_cast<int>(s)));
}

S::PromotionState to_schema(promotion_state s) {
  switch (s) {
    case promotion_state::started: return S::PromotionState::STARTED;
    case promotion_state::ready: return S::PromotionState::READY;
    case promotion_state::failed: return S::PromotionState::FAILED;
  }
  return S::PromotionState::STARTED;
}

result<promotion_state> from_schema(S::PromotionState s) {
  switch (s) {
    case S::PromotionState::STARTED: return promotion_state::started;
    case S::PromotionState::READY: return promotion_state::ready;
    case S::PromotionState::FAILED: return promotion_state::failed;
  }
  return make_error(codec_errc::unknown_variant, "promotion state " + std::to_string(static_cast<int>(s)));
}

// -- structs ----------------------------------------------------------------------


void write_config(const config& c, S::Config::Builder b) {
  b.setTargetSize(c.target);
  b.setGraceNs(c.grace_ns);
  b.setMaxLag(c.max_lag);
  b.setPhiThreshold(c.phi_threshold);
  b.setHeartbeatIntervalNs(c.heartbeat_interval_ns);
  b.setUseDomains(c.use_domains);
  if (c.director_key)
    b.setDirectorKey(capnp::Data::Reader(c.director_key->bytes.data(), c.director_key->bytes.size()));
}

result<config> read_config(S::Config::Reader b) {
  config c{b.getTargetSize(), b.getGraceNs(),           b.getMaxLag(),
           b.getPhiThreshold(), b.getHeartbeatIntervalNs(), b.getUseDomains(), std::nullopt};
  auto key = b.getDirectorKey();
  if (key.size() != 0) {
    if (key.size() != 32)
      return make_error(codec_errc::malformed, "a director key is " + std::to_string(key.size()) + " bytes, not 32");
    public_key k;
    std::memcpy(k.bytes.data(), key.begin(), k.bytes.size());
    c.director_key = k;
  }
  return c;
}

void write_spec(const peer_spec& p, S::PeerSpec::Builder b) {
  b.setId(p.id);
  b.setPublicKey(capnp::Data::Reader(p.key.bytes.data(), p.key.bytes.size()));
  b.setDomain(p.domain);
  b.setAddress(p.address);
}

result<peer_spec> read_spec(S::PeerSpec::Reader b) {
  peer_spec p;
  p.id = text(b.getId());
  auto key = b.getPublicKey();
  if (key.size() != p.key.bytes.size())
    return make_error(codec_errc::malformed,
                      "peer '" + p.id + "': a public key is " + std::to_string(key.size()) + " bytes, not 32");
  std::memcpy(p.key.bytes.data(), key.begin(), p.key.bytes.size());
  p.domain = text(b.getDomain());
  p.address = text(b.getAddress());
  return p;
}

void write_candidate(const candidate& c, S::Candidate::Builder b) {
  b.setNode(c.node);
  b.setHealthy(c.healthy);
  b.setAppliedOffset(c.applied_offset);
  b.setHeadOffset(c.head_offset);
  b.setDomain(c.domain);
}

candidate read_candidate(S::Candidate::Reader b) {
  return candidate{text(b.getNode()), b.getHealthy(), b.getAppliedOffset(), b.getHeadOffset(), text(b.getDomain())};
}

void write_candidates(const std::vector<candidate>& in, capnp::List<S::Candidate>::Builder out) {
  for (unsigned i = 0; i < in.size(); ++i)
    write_candidate(in[i], out[i]);
}

std::vector<candidate> read_candidates(capnp::List<S::Candidate>::Reader in) {
  std::vector<candidate> out;
  out.reserve(in.size());
  for (auto c : in)
    out.push_back(read_candidate(c));
  return out;
}

void write_verdicts(const std::vector<verdict>& in, capnp::List<S::Verdict>::Builder out) {
  for (unsigned i = 0; i < in.size(); ++i) {
    write_candidate(in[i].candidate, out[i].initCandidate());
    out[i].setEligible(in[i].eligible);
    out[i].setReason(in[i].reason);
  }
}

std::vector<verdict> read_verdicts(capnp::List<S::Verdict>::Reader in) {
  std::vector<verdict> out;
  out.reserve(in.size());
  for (auto v : in)
    out.push_back(verdict{read_candidate(v.getCandidate()), v.getEligible(), text(v.getReason())});
  return out;
}

unsigned size_of(std::size_t n) { return static_cast<unsigned>(n); }


} // namespace

// -- commands -------------------------------------------------------------------------

void entity::write_command(const command& c, schema::Envelope::Builder e) {
  auto cmd = e.getPayload().initClusterCommand();
  std::visit(overloaded{
                 [&](const configure& x) { write_config(x.config, cmd.initConfigure()); },
                 [&](const add_server& x) { write_spec(x.peer, cmd.initAddServer()); },
                 [&](const add_node& x) { write_spec(x.peer, cmd.initAddNode()); },
                 [&](const remove_node& x) {
                   auto g = cmd.initRemoveNode();
                   g.setId(x.id);
                   g.setNowNs(x.now_ns);
                 },
                 [&](const report_lost& x) {
                   auto g = cmd.initReportLost();
                   g.setServer(x.server);
                   g.setObserver(x.observer);
                   g.setPhi(x.phi);
                   g.setLastHeartbeatNs(x.last_heartbeat_ns);
                   g.setNowNs(x.now_ns);
                 },
                 [&](const promote& x) {
                   auto g = cmd.initPromote();
                   g.setLoss(x.loss);
                   write_candidates(x.candidates, g.initCandidates(size_of(x.candidates.size())));
                   g.setNowNs(x.now_ns);
                 },
                 [&](const report_ready& x) {
                   auto g = cmd.initReportReady();
                   g.setNode(x.node);
                   g.setAppliedOffset(x.applied_offset);
                   g.setHeadOffset(x.head_offset);
                   g.setNowNs(x.now_ns);
                 },
                 [&](const report_failed& x) {
                   auto g = cmd.initReportFailed();
                   g.setNode(x.node);
                   g.setReason(x.reason);
                   g.setNowNs(x.now_ns);
                 },
                 [&](const report_back& x) {
                   auto g = cmd.initReportBack();
                   g.setServer(x.server);
                   g.setNowNs(x.now_ns);
                 },
                 [&](const add_client& x) { write_spec(x.peer, cmd.initAddClient()); },
                 [&](const record_tunnel& x) {
                   auto g = cmd.initRecordTunnel();
                   g.setPeer(x.peer);
                   g.setWith(x.with);
                   g.setHandshakeHash(x.handshake_hash);
                   g.setOpened(x.opened);
                   g.setReason(x.reason);
                   g.setNowNs(x.now_ns);
                 },
             },
             c);
}

result<command> entity::read_command(schema::Envelope::Reader e) {
  if (!e.getPayload().isClusterCommand())
    return make_error(codec_errc::wrong_payload, "expected a cluster command");
  return guarded("cluster command", [&]() -> result<command> {
    auto cmd = e.getPayload().getClusterCommand();
    using C = S::Command;
    switch (cmd.which()) {
      case C::CONFIGURE: {
        SM_TRY(auto c, read_config(cmd.getConfigure()));
        return command{configure{std::move(c)}};
      }
      case C::ADD_CLIENT: {
        SM_TRY(auto p, read_spec(cmd.getAddClient()));
        return command{add_client{std::move(p)}};
      }
      case C::RECORD_TUNNEL: {
        auto g = cmd.getRecordTunnel();
        return command{record_tunnel{text(g.getPeer()), text(g.getWith()), text(g.getHandshakeHash()), g.getOpened(),
                                     text(g.getReason()), g.getNowNs()}};
      }
      case C::ADD_SERVER: {
        SM_TRY(auto p, read_spec(cmd.getAddServer()));
        return command{add_server{std::move(p)}};
      }
      case C::ADD_NODE: {
        SM_TRY(auto p, read_spec(cmd.getAddNode()));
        return command{add_node{std::move(p)}};
      }
      case C::REMOVE_NODE: {
        auto g = cmd.getRemoveNode();
        return command{remove_node{text(g.getId()), g.getNowNs()}};
      }
      case C::REPORT_LOST: {
        auto g = cmd.getReportLost();
        return command{
            report_lost{text(g.getServer()), text(g.getObserver()), g.getPhi(), g.getLastHeartbeatNs(), g.getNowNs()}};
      }
      case C::PROMOTE: {
        auto g = cmd.getPromote();
        return command{promote{g.getLoss(), read_candidates(g.getCandidates()), g.getNowNs()}};
      }
      case C::REPORT_READY: {
        auto g = cmd.getReportReady();
        return command{report_ready{text(g.getNode()), g.getAppliedOffset(), g.getHeadOffset(), g.getNowNs()}};
      }
      case C::REPORT_FAILED: {
        auto g = cmd.getReportFailed();
        return command{report_failed{text(g.getNode()), text(g.getReason()), g.getNowNs()}};
      }
      case C::REPORT_BACK: {
        auto g = cmd.getReportBack();
        return command{report_back{text(g.getServer()), g.getNowNs()}};
      }
    }
    return make_error(codec_errc::unknown_variant, "cluster command " + std::to_string(static_cast<int>(cmd.which())));
  });
}

// -- events ---------------------------------------------------------------------------

void entity::write_event(const event& ev, schema::Envelope::Builder e) {
  auto out = e.getPayload().initClusterEvent();
  std::visit(overloaded{
                 [&](const configured& x) { write_config(x.config, out.initConfigured()); },
                 [&](const server_added& x) { write_spec(x.peer, out.initServerAdded()); },
                 [&](const node_added& x) { write_spec(x.peer, out.initNodeAdded()); },
                 [&](const peer_removed& x) {
                   auto g = out.initPeerRemoved();
                   g.setId(x.id);
                   g.setWas(to_schema(x.was));
                   g.setAtNs(x.at_ns);
                 },
                 [&](const server_lost& x) {
                   auto g = out.initServerLost();
                   g.setLoss(x.loss);
                   g.setServer(x.server);
                   g.setObserver(x.observer);
                   g.setPhi(x.phi);
                   g.setLastHeartbeatNs(x.last_heartbeat_ns);
                   g.setAtNs(x.at_ns);
                   g.setReason(x.reason);
                 },
                 [&](const promotion_started& x) {
                   auto g = out.initPromotionStarted();
                   g.setPromotion(x.promotion);
                   g.setLoss(x.loss);
                   g.setNode(x.node);
                   g.setAtNs(x.at_ns);
                   g.setAppliedOffset(x.applied_offset);
                   g.setHeadOffset(x.head_offset);
                   g.setDomain(x.domain);
                   write_verdicts(x.verdicts, g.initVerdicts(size_of(x.verdicts.size())));
                   g.setWhy(x.why);
                 },
                 [&](const promotion_ready& x) {
                   auto g = out.initPromotionReady();
                   g.setPromotion(x.promotion);
                   g.setNode(x.node);
                   g.setAppliedOffset(x.applied_offset);
                   g.setHeadOffset(x.head_offset);
                   g.setAtNs(x.at_ns);
                 },
                 [&](const promotion_failed& x) {
                   auto g = out.initPromotionFailed();
                   g.setPromotion(x.promotion);
                   g.setNode(x.node);
                   g.setReason(x.reason);
                   g.setAtNs(x.at_ns);
                 },
                 [&](const server_returned& x) {
                   auto g = out.initServerReturned();
                   g.setServer(x.server);
                   g.setLoss(x.loss);
                   g.setAs(to_schema(x.as));
                   g.setAtNs(x.at_ns);
                 },
                 [&](const client_added& x) { write_spec(x.peer, out.initClientAdded()); },
                 [&](const tunnel_opened& x) {
                   auto g = out.initTunnelOpened();
                   g.setPeer(x.peer);
                   g.setWith(x.with);
                   g.setHandshakeHash(x.handshake_hash);
                   g.setAtNs(x.at_ns);
                 },
                 [&](const tunnel_closed& x) {
                   auto g = out.initTunnelClosed();
                   g.setPeer(x.peer);
                   g.setHandshakeHash(x.handshake_hash);
                   g.setReason(x.reason);
                   g.setAtNs(x.at_ns);
                 },
             },
             ev);
}

result<event> entity::read_event(schema::Envelope::Reader e) {
  if (!e.getPayload().isClusterEvent())
    return make_error(codec_errc::wrong_payload, "expected a cluster event");
  return guarded("cluster event", [&]() -> result<event> {
    auto ev = e.getPayload().getClusterEvent();
    using E = S::Event;
    switch (ev.which()) {
      case E::CONFIGURED: {
        SM_TRY(auto c, read_config(ev.getConfigured()));
        return event{configured{std::move(c)}};
      }
      case E::CLIENT_ADDED: {
        SM_TRY(auto p, read_spec(ev.getClientAdded()));
        return event{client_added{std::move(p)}};
      }
      case E::TUNNEL_OPENED: {
        auto g = ev.getTunnelOpened();
        return event{tunnel_opened{text(g.getPeer()), text(g.getWith()), text(g.getHandshakeHash()), g.getAtNs()}};
      }
      case E::TUNNEL_CLOSED: {
        auto g = ev.getTunnelClosed();
        return event{tunnel_closed{text(g.getPeer()), text(g.getHandshakeHash()), text(g.getReason()), g.getAtNs()}};
      }
      case E::SERVER_ADDED: {
        SM_TRY(auto p, read_spec(ev.getServerAdded()));
        return event{server_added{std::move(p)}};
      }
      case E::NODE_ADDED: {
        SM_TRY(auto p, read_spec(ev.getNodeAdded()));
        return event{node_added{std::move(p)}};
      }
      case E::PEER_REMOVED: {
        auto g = ev.getPeerRemoved();
        SM_TRY(auto was, from_schema(g.getWas()));
        return event{peer_removed{text(g.getId()), was, g.getAtNs()}};
      }
      case E::SERVER_LOST: {
        auto g = ev.getServerLost();
        return event{server_lost{g.getLoss(), text(g.getServer()), text(g.getObserver()), g.getPhi(),
                                 g.getLastHeartbeatNs(), g.getAtNs(), text(g.getReason())}};
      }
      case E::PROMOTION_STARTED: {
        auto g = ev.getPromotionStarted();
        return event{promotion_started{g.getPromotion(), g.getLoss(), text(g.getNode()), g.getAtNs(),
                                       g.getAppliedOffset(), g.getHeadOffset(), text(g.getDomain()),
                                       read_verdicts(g.getVerdicts()), text(g.getWhy())}};
      }
      case E::PROMOTION_READY: {
        auto g = ev.getPromotionReady();
        return event{
            promotion_ready{g.getPromotion(), text(g.getNode()), g.getAppliedOffset(), g.getHeadOffset(), g.getAtNs()}};
      }
      case E::PROMOTION_FAILED: {
        auto g = ev.getPromotionFailed();
        return event{promotion_failed{g.getPromotion(), text(g.getNode()), text(g.getReason()), g.getAtNs()}};
      }
      case E::SERVER_RETURNED: {
        auto g = ev.getServerReturned();
        SM_TRY(auto as, from_schema(g.getAs()));
        return event{server_returned{text(g.getServer()), g.getLoss(), as, g.getAtNs()}};
      }
    }
    return make_error(codec_errc::unknown_variant, "cluster event " + std::to_string(static_cast<int>(ev.which())));
  });
}

// -- state ----------------------------------------------------------------------------

std::string entity::write_state(const state& s) {
  return state_to_bytes<S::State>([&](S::State::Builder root) {
    root.setConfigured(s.configured);
    write_config(s.config, root.initConfig());
    auto peers = root.initPeers(size_of(s.peers.size()));
    unsigned i = 0;
    for (const auto& [id, p] : s.peers) {
      write_spec(p.spec, peers[i].initSpec());
      peers[i++].setRole(to_schema(p.role));
    }
    auto losses = root.initLosses(size_of(s.losses.size()));
    i = 0;
    for (const auto& [id, l] : s.losses) {
      auto b = losses[i++];
      b.setId(l.id);
      b.setServer(l.server);
      b.setAtNs(l.at_ns);
      b.setReason(l.reason);
      b.setObserver(l.observer);
      b.setPhi(l.phi);
      b.setLastHeartbeatNs(l.last_heartbeat_ns);
      b.setStatus(to_schema(l.status));
      b.setFilledBy(l.filled_by);
      b.setClosedAtNs(l.closed_at_ns);
    }
    auto promotions = root.initPromotions(size_of(s.promotions.size()));
    i = 0;
    for (const auto& [id, p] : s.promotions) {
      auto b = promotions[i++];
      b.setId(p.id);
      b.setNode(p.node);
      b.setLoss(p.loss);
      b.setAtNs(p.at_ns);
      b.setAppliedOffset(p.applied_offset);
      b.setHeadOffset(p.head_offset);
      b.setDomain(p.domain);
      write_verdicts(p.verdicts, b.initVerdicts(size_of(p.verdicts.size())));
      b.setWhy(p.why);
      b.setState(to_schema(p.state));
      b.setClosedAtNs(p.closed_at_ns);
      b.setFailure(p.failure);
    }
    auto tunnels = root.initTunnels(size_of(s.tunnels.size()));
    i = 0;
    for (const auto& t : s.tunnels) {
      auto b = tunnels[i++];
      b.setPeer(t.peer);
      b.setWith(t.with);
      b.setHandshakeHash(t.handshake_hash);
      b.setOpenedAtNs(t.opened_at_ns);
      b.setClosedAtNs(t.closed_at_ns);
      b.setReason(t.reason);
    }
  });
}

result<state> entity::read_state(std::string_view bytes) {
  return state_from_bytes<S::State>(bytes, "cluster", [](S::State::Reader root) -> result<state> {
    state s;
    s.configured = root.getConfigured();
    SM_TRY(s.config, read_config(root.getConfig()));
    for (auto t : root.getTunnels())
      s.tunnels.push_back(tunnel_record{text(t.getPeer()), text(t.getWith()), text(t.getHandshakeHash()),
                                        t.getOpenedAtNs(), t.getClosedAtNs(), text(t.getReason())});
    for (auto p : root.getPeers()) {
      SM_TRY(auto spec, read_spec(p.getSpec()));
      SM_TRY(auto r, from_schema(p.getRole()));
      const auto id = spec.id;
      if (!s.peers.emplace(id, peer{std::move(spec), r}).second)
        return make_error(codec_errc::malformed, "cluster state: peer '" + id + "' twice");
    }
    for (auto b : root.getLosses()) {
      loss l;
      l.id = b.getId();
      l.server = text(b.getServer());
      l.at_ns = b.getAtNs();
      l.reason = text(b.getReason());
      l.observer = text(b.getObserver());
      l.phi = b.getPhi();
      l.last_heartbeat_ns = b.getLastHeartbeatNs();
      SM_TRY(l.status, from_schema(b.getStatus()));
      l.filled_by = b.getFilledBy();
      l.closed_at_ns = b.getClosedAtNs();
      const auto id = l.id;
      if (!s.losses.emplace(id, std::move(l)).second)
        return make_error(codec_errc::malformed, "cluster state: loss " + std::to_string(id) + " twice");
    }
    for (auto b : root.getPromotions()) {
      promotion p;
      p.id = b.getId();
      p.node = text(b.getNode());
      p.loss = b.getLoss();
      p.at_ns = b.getAtNs();
      p.applied_offset = b.getAppliedOffset();
      p.head_offset = b.getHeadOffset();
      p.domain = text(b.getDomain());
      p.verdicts = read_verdicts(b.getVerdicts());
      p.why = text(b.getWhy());
      SM_TRY(p.state, from_schema(b.getState()));
      p.closed_at_ns = b.getClosedAtNs();
      p.failure = text(b.getFailure());
      const auto id = p.id;
      if (!s.promotions.emplace(id, std::move(p)).second)
        return make_error(codec_errc::malformed, "cluster state: promotion " + std::to_string(id) + " twice");
    }
    return s;
  });
}

} // namespace storemesh::services::cluster
