#include "services/delivery/edge_unit_codec.hpp"

#include "services/capnp_read.hpp"
#include "services/codec_errc.hpp"
#include "services/delivery/codec_parts.hpp"
#include "services/state_bytes.hpp"

// attach / attached are one schema struct (EdgeAttach), report / reported
// another (EdgeReport): one template per pair writes (or reads) both.

namespace storemesh::services::delivery::edge_unit {
namespace {

namespace S = schema::delivery;
using namespace codec_parts;

S::EdgeRole to_schema(role r) { return r == role::origin ? S::EdgeRole::ORIGIN : S::EdgeRole::EDGE; }
result<role> from_schema(S::EdgeRole r) {
  switch (r) {
    case S::EdgeRole::EDGE: return role::edge;
    case S::EdgeRole::ORIGIN: return role::origin;
  }
  return make_error(codec_errc::unknown_variant, "edge role " + std::to_string(static_cast<int>(r)));
}

template <class X>
void put_attach(const X& x, S::EdgeAttach::Builder b) {
  b.setEndpoint(x.endpoint);
  b.setRole(to_schema(x.role));
  put(x.at, b.initAt());
  b.setCapacityBytes(x.capacity_bytes);
  b.setWindowBytes(x.window_bytes);
  b.setAtNs(x.at_ns);
}
template <class X>
result<X> get_attach(S::EdgeAttach::Reader r) {
  X x;
  x.endpoint = text(r.getEndpoint());
  SM_TRY(x.role, from_schema(r.getRole()));
  x.at = get(r.getAt());
  x.capacity_bytes = r.getCapacityBytes();
  x.window_bytes = r.getWindowBytes();
  x.at_ns = r.getAtNs();
  return x;
}

template <class X>
void put_report(const X& x, S::EdgeReport::Builder b) {
  b.setUp(x.up);
  b.setFreeBytes(x.free_bytes);
  b.setReason(x.reason);
  b.setAtNs(x.at_ns);
}
template <class X>
X get_report(S::EdgeReport::Reader r) {
  return X{r.getUp(), r.getFreeBytes(), text(r.getReason()), r.getAtNs()};
}

} // namespace

void entity::write_command(const command& c, schema::Envelope::Builder e) {
  auto out = e.getPayload().initEdgeUnitCommand();
  std::visit(overloaded{
                 [&](const attach& x) { put_attach(x, out.initAttach()); },
                 [&](const report& x) { put_report(x, out.initReport()); },
             },
             c);
}

result<command> entity::read_command(schema::Envelope::Reader e) {
  if (!e.getPayload().isEdgeUnitCommand())
    return make_error(codec_errc::wrong_payload, "expected an edge unit command");
  return guarded("edge unit command", [&]() -> result<command> {
    auto in = e.getPayload().getEdgeUnitCommand();
    using C = S::EdgeUnitCommand;
    switch (in.which()) {
      case C::ATTACH: {
        SM_TRY(auto x, get_attach<attach>(in.getAttach()));
        return command{std::move(x)};
      }
      case C::REPORT: return command{get_report<report>(in.getReport())};
    }
    return make_error(codec_errc::unknown_variant, "edge unit command " + std::to_string(static_cast<int>(in.which())));
  });
}

void entity::write_event(const event& ev, schema::Envelope::Builder e) {
  auto out = e.getPayload().initEdgeUnitEvent();
  std::visit(overloaded{
                 [&](const attached& x) { put_attach(x, out.initAttached()); },
                 [&](const reported& x) { put_report(x, out.initReported()); },
             },
             ev);
}

result<event> entity::read_event(schema::Envelope::Reader e) {
  if (!e.getPayload().isEdgeUnitEvent())
    return make_error(codec_errc::wrong_payload, "expected an edge unit event");
  return guarded("edge unit event", [&]() -> result<event> {
    auto in = e.getPayload().getEdgeUnitEvent();
    using E = S::EdgeUnitEvent;
    switch (in.which()) {
      case E::ATTACHED: {
        SM_TRY(auto x, get_attach<attached>(in.getAttached()));
        return event{std::move(x)};
      }
      case E::REPORTED: return event{get_report<reported>(in.getReported())};
    }
    return make_error(codec_errc::unknown_variant, "edge unit event " + std::to_string(static_cast<int>(in.which())));
  });
}

std::string entity::write_state(const state& s) {
  return state_to_bytes<S::EdgeUnitState>([&](S::EdgeUnitState::Builder root) {
    root.setAttached(s.attached);
    root.setEndpoint(s.endpoint);
    root.setRole(to_schema(s.role));
    put(s.at, root.initAt());
    root.setCapacityBytes(s.capacity_bytes);
    root.setWindowBytes(s.window_bytes);
    root.setUp(s.up);
    root.setFreeBytes(s.free_bytes);
    root.setReason(s.reason);
    root.setChangedNs(s.changed_ns);
  });
}

result<state> entity::read_state(std::string_view bytes_in) {
  return state_from_bytes<S::EdgeUnitState>(bytes_in, "edge_unit", [](S::EdgeUnitState::Reader root) -> result<state> {
    state s;
    s.attached = root.getAttached();
    s.endpoint = text(root.getEndpoint());
    SM_TRY(s.role, from_schema(root.getRole()));
    s.at = get(root.getAt());
    s.capacity_bytes = root.getCapacityBytes();
    s.window_bytes = root.getWindowBytes();
    s.up = root.getUp();
    s.free_bytes = root.getFreeBytes();
    s.reason = text(root.getReason());
    s.changed_ns = root.getChangedNs();
    return s;
  });
}

} // namespace storemesh::services::delivery::edge_unit
