#include "services/host/host_codec.hpp"

#include "services/codec_errc.hpp"
#include "services/state_bytes.hpp"

namespace storemesh::services::host {
namespace {

using schema::host::HostState;

HostState to_schema(host_state s) {
  switch (s) {
    case host_state::up: return HostState::UP;
    case host_state::draining: return HostState::DRAINING;
    case host_state::down: return HostState::DOWN;
  }
  return HostState::UP;
}

result<host_state> from_schema(HostState s) {
  switch (s) {
    case HostState::UP: return host_state::up;
    case HostState::DRAINING: return host_state::draining;
    case HostState::DOWN: return host_state::down;
  }
  return make_error(codec_errc::unknown_variant, "host state " + std::to_string(static_cast<int>(s)));
}

void write_datastores(const std::vector<datastore>& in,
                      capnp::List<schema::host::Datastore>::Builder out) {
  for (unsigned i = 0; i < in.size(); ++i) {
    out[i].setName(in[i].name);
    out[i].setPath(in[i].path);
  }
}

std::vector<datastore> read_datastores(capnp::List<schema::host::Datastore>::Reader in) {
  std::vector<datastore> out;
  out.reserve(in.size());
  for (auto ds : in)
    out.push_back({ds.getName().cStr(), ds.getPath().cStr()});
  return out;
}

} // namespace

void entity::write_command(const command& c, schema::Envelope::Builder e) {
  auto cmd = e.getPayload().initHostCommand();
  std::visit(overloaded{
                 [&](const register_host& r) {
                   write_datastores(r.datastores, cmd.initRegister(static_cast<unsigned>(r.datastores.size())));
                 },
                 [&](const set_state& s) {
                   auto g = cmd.initSetState();
                   g.setState(to_schema(s.to));
                   g.setReason(s.reason);
                 },
             },
             c);
}

result<command> entity::read_command(schema::Envelope::Reader e) {
  if (!e.getPayload().isHostCommand())
    return make_error(codec_errc::wrong_payload, "expected a host command");
  auto cmd = e.getPayload().getHostCommand();
  switch (cmd.which()) {
    case schema::host::Command::REGISTER: return command{register_host{read_datastores(cmd.getRegister())}};
    case schema::host::Command::SET_STATE: {
      SM_TRY(auto to, from_schema(cmd.getSetState().getState()));
      return command{set_state{to, cmd.getSetState().getReason().cStr()}};
    }
  }
  return make_error(codec_errc::unknown_variant, "host command " + std::to_string(static_cast<int>(cmd.which())));
}

void entity::write_event(const event& ev, schema::Envelope::Builder e) {
  auto out = e.getPayload().initHostEvent();
  std::visit(overloaded{
                 [&](const registered& r) {
                   write_datastores(r.datastores, out.initRegistered(static_cast<unsigned>(r.datastores.size())));
                 },
                 [&](const state_changed& c) {
                   auto g = out.initStateChanged();
                   g.setFrom(to_schema(c.from));
                   g.setTo(to_schema(c.to));
                   g.setReason(c.reason);
                 },
             },
             ev);
}

result<event> entity::read_event(schema::Envelope::Reader e) {
  if (!e.getPayload().isHostEvent())
    return make_error(codec_errc::wrong_payload, "expected a host event");
  auto ev = e.getPayload().getHostEvent();
  switch (ev.which()) {
    case schema::host::Event::REGISTERED: return event{registered{read_datastores(ev.getRegistered())}};
    case schema::host::Event::STATE_CHANGED: {
      auto g = ev.getStateChanged();
      SM_TRY(auto from, from_schema(g.getFrom()));
      SM_TRY(auto to, from_schema(g.getTo()));
      return event{state_changed{from, to, g.getReason().cStr()}};
    }
  }
  return make_error(codec_errc::unknown_variant, "host event " + std::to_string(static_cast<int>(ev.which())));
}

std::string entity::write_state(const state& s) {
  return state_to_bytes<schema::host::State>([&](schema::host::State::Builder root) {
    root.setRegistered(s.registered);
    root.setState(to_schema(s.status));
    write_datastores(s.datastores, root.initDatastores(static_cast<unsigned>(s.datastores.size())));
  });
}

result<state> entity::read_state(std::string_view bytes) {
  return state_from_bytes<schema::host::State>(bytes, "host", [](schema::host::State::Reader root) -> result<state> {
    state s;
    s.registered = root.getRegistered();
    SM_TRY(s.status, from_schema(root.getState()));
    s.datastores = read_datastores(root.getDatastores());
    return s;
  });
}

} // namespace storemesh::services::host
