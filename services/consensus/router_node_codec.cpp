#include "services/consensus/router_node_codec.hpp"

#include "services/codec_errc.hpp"
#include "services/capnp_read.hpp"
#include "services/state_bytes.hpp"

namespace storemesh::services::router {
namespace {

namespace S = schema::consensus;


void write_spec(const endpoints& p, S::RouterSpec::Builder b) {
  b.setUdp(p.udp);
  b.setGateway(p.gateway);
  b.setNetwork(p.network);
}

endpoints read_spec(S::RouterSpec::Reader b) { return endpoints{text(b.getUdp()), text(b.getGateway()), text(b.getNetwork())}; }


} // namespace

void entity::write_command(const command& c, schema::Envelope::Builder e) {
  auto cmd = e.getPayload().initRouterCommand();
  std::visit(overloaded{
                 [&](const register_router& x) { write_spec(x.spec, cmd.initRegister()); },
                 [&](const announce& x) {
                   auto g = cmd.initAnnounce();
                   g.setCid(x.cid);
                   g.setEpoch(x.epoch);
                   g.setAtNs(x.at_ns);
                 },
             },
             c);
}

result<command> entity::read_command(schema::Envelope::Reader e) {
  if (!e.getPayload().isRouterCommand())
    return make_error(codec_errc::wrong_payload, "expected a router command");
  return guarded("router command", [&]() -> result<command> {
    auto cmd = e.getPayload().getRouterCommand();
    using C = S::RouterCommand;
    switch (cmd.which()) {
      case C::REGISTER: return command{register_router{read_spec(cmd.getRegister())}};
      case C::ANNOUNCE: {
        auto g = cmd.getAnnounce();
        return command{announce{text(g.getCid()), g.getEpoch(), g.getAtNs()}};
      }
    }
    return make_error(codec_errc::unknown_variant, "router command " + std::to_string(static_cast<int>(cmd.which())));
  });
}

void entity::write_event(const event& ev, schema::Envelope::Builder e) {
  auto out = e.getPayload().initRouterEvent();
  std::visit(overloaded{
                 [&](const registered& x) { write_spec(x.spec, out.initRegistered()); },
                 [&](const announced& x) {
                   auto g = out.initAnnounced();
                   g.setCid(x.cid);
                   g.setEpoch(x.epoch);
                   g.setAtNs(x.at_ns);
                 },
             },
             ev);
}

result<event> entity::read_event(schema::Envelope::Reader e) {
  if (!e.getPayload().isRouterEvent())
    return make_error(codec_errc::wrong_payload, "expected a router event");
  return guarded("router event", [&]() -> result<event> {
    auto ev = e.getPayload().getRouterEvent();
    using E = S::RouterEvent;
    switch (ev.which()) {
      case E::REGISTERED: return event{registered{read_spec(ev.getRegistered())}};
      case E::ANNOUNCED: {
        auto g = ev.getAnnounced();
        return event{announced{text(g.getCid()), g.getEpoch(), g.getAtNs()}};
      }
    }
    return make_error(codec_errc::unknown_variant, "router event " + std::to_string(static_cast<int>(ev.which())));
  });
}

std::string entity::write_state(const state& s) {
  return state_to_bytes<S::RouterState>([&](S::RouterState::Builder root) {
    root.setRegistered(s.registered);
    write_spec(s.spec, root.initSpec());
    root.setActiveCid(s.active_cid);
    root.setEpoch(s.epoch);
    root.setAnnouncedAtNs(s.announced_at_ns);
  });
}

result<state> entity::read_state(std::string_view bytes) {
  return state_from_bytes<S::RouterState>(bytes, "router", [](S::RouterState::Reader root) -> result<state> {
    state s;
    s.registered = root.getRegistered();
    s.spec = read_spec(root.getSpec());
    s.active_cid = text(root.getActiveCid());
    s.epoch = root.getEpoch();
    s.announced_at_ns = root.getAnnouncedAtNs();
    return s;
  });
}

} // namespace storemesh::services::router
