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

using schema::host::Site;

Site to_schema(site s) {
  switch (s) {
    case site::none: return Site::NONE;
    case site::primary: return Site::PRIMARY;
    case site::recovery: return Site::RECOVERY;
  }
  return Site::NONE;
}

result<site> from_schema(Site s) {
  switch (s) {
    case Site::NONE: return site::none;
    case Site::PRIMARY: return site::primary;
    case Site::RECOVERY: return site::recovery;
  }
  return make_error(codec_errc::unknown_variant, "site " + std::to_string(static_cast<int>(s)));
}

void write_load(const load_report& r, schema::host::LoadReport::Builder b) {
  b.setAtNs(r.at_ns);
  b.setIntervalNs(r.interval_ns);
  b.setBytesPerSecond(r.bytes_per_second);
  b.setQueueDepth(r.queue_depth);
  b.setCpu(r.cpu);
  auto list = b.initWorkloads(static_cast<unsigned>(r.workloads.size()));
  for (unsigned i = 0; i < r.workloads.size(); ++i) {
    list[i].setJob(r.workloads[i].job);
    list[i].setBytesPerSecond(r.workloads[i].bytes_per_second);
  }
}

load_report read_load(schema::host::LoadReport::Reader b) {
  load_report r;
  r.at_ns = b.getAtNs();
  r.interval_ns = b.getIntervalNs();
  r.bytes_per_second = b.getBytesPerSecond();
  r.queue_depth = b.getQueueDepth();
  r.cpu = b.getCpu();
  r.workloads.reserve(b.getWorkloads().size());
  for (auto w : b.getWorkloads())
    r.workloads.push_back({w.getJob().cStr(), w.getBytesPerSecond()});
  return r;
}

} // namespace

void entity::write_command(const command& c, schema::Envelope::Builder e) {
  auto cmd = e.getPayload().initHostCommand();
  std::visit(overloaded{
                 [&](const register_host& r) {
                   // A plain host keeps the original form, byte for byte.
                   if (r.site == site::none) {
                     write_datastores(r.datastores, cmd.initRegister(static_cast<unsigned>(r.datastores.size())));
                     return;
                   }
                   auto g = cmd.initRegisterGateway();
                   write_datastores(r.datastores, g.initDatastores(static_cast<unsigned>(r.datastores.size())));
                   g.setSite(to_schema(r.site));
                 },
                 [&](const set_state& s) {
                   auto g = cmd.initSetState();
                   g.setState(to_schema(s.to));
                   g.setReason(s.reason);
                 },
                 [&](const report_load& r) { write_load(r.report, cmd.initReportLoad()); },
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
    case schema::host::Command::REGISTER_GATEWAY: {
      auto g = cmd.getRegisterGateway();
      SM_TRY(auto where, from_schema(g.getSite()));
      return command{register_host{read_datastores(g.getDatastores()), where}};
    }
    case schema::host::Command::REPORT_LOAD: return command{report_load{read_load(cmd.getReportLoad())}};
  }
  return make_error(codec_errc::unknown_variant, "host command " + std::to_string(static_cast<int>(cmd.which())));
}

void entity::write_event(const event& ev, schema::Envelope::Builder e) {
  auto out = e.getPayload().initHostEvent();
  std::visit(overloaded{
                 [&](const registered& r) {
                   if (r.site == site::none) {
                     write_datastores(r.datastores, out.initRegistered(static_cast<unsigned>(r.datastores.size())));
                     return;
                   }
                   auto g = out.initGatewayRegistered();
                   write_datastores(r.datastores, g.initDatastores(static_cast<unsigned>(r.datastores.size())));
                   g.setSite(to_schema(r.site));
                 },
                 [&](const state_changed& c) {
                   auto g = out.initStateChanged();
                   g.setFrom(to_schema(c.from));
                   g.setTo(to_schema(c.to));
                   g.setReason(c.reason);
                 },
                 [&](const load_reported& r) { write_load(r.report, out.initLoadReported()); },
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
    case schema::host::Event::GATEWAY_REGISTERED: {
      auto g = ev.getGatewayRegistered();
      SM_TRY(auto where, from_schema(g.getSite()));
      return event{registered{read_datastores(g.getDatastores()), where}};
    }
    case schema::host::Event::LOAD_REPORTED: return event{load_reported{read_load(ev.getLoadReported())}};
  }
  return make_error(codec_errc::unknown_variant, "host event " + std::to_string(static_cast<int>(ev.which())));
}

std::string entity::write_state(const state& s) {
  return state_to_bytes<schema::host::State>([&](schema::host::State::Builder root) {
    root.setRegistered(s.registered);
    root.setState(to_schema(s.status));
    write_datastores(s.datastores, root.initDatastores(static_cast<unsigned>(s.datastores.size())));
    root.setSite(to_schema(s.site));
    if (s.load)
      write_load(*s.load, root.initLoad());
  });
}

result<state> entity::read_state(std::string_view bytes) {
  return state_from_bytes<schema::host::State>(bytes, "host", [](schema::host::State::Reader root) -> result<state> {
    state s;
    s.registered = root.getRegistered();
    SM_TRY(s.status, from_schema(root.getState()));
    s.datastores = read_datastores(root.getDatastores());
    SM_TRY(s.site, from_schema(root.getSite()));
    if (root.hasLoad())
      s.load = read_load(root.getLoad());
    return s;
  });
}

} // namespace storemesh::services::host
