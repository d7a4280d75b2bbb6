#include "services/delivery/user_group_codec.hpp"

#include "services/capnp_read.hpp"
#include "services/codec_errc.hpp"
#include "services/delivery/codec_parts.hpp"
#include "services/state_bytes.hpp"

// A command and the event it produces are the same schema struct (GroupAdd,
// GroupRequest), so one template per pair writes (or reads) both.

namespace storemesh::services::delivery::user_group {
namespace {

namespace S = schema::delivery;
using namespace codec_parts;

template <class X>
void put_add(const X& x, S::GroupAdd::Builder b) {
  put(x.at, b.initAt());
  b.setDevices(x.devices);
  b.setAtNs(x.at_ns);
}
template <class X>
X get_add(S::GroupAdd::Reader r) {
  return X{get(r.getAt()), r.getDevices(), r.getAtNs()};
}

template <class X>
void put_request(const X& x, S::GroupRequest::Builder b) {
  b.setContent(x.content);
  b.setAtNs(x.at_ns);
}
template <class X>
X get_request(S::GroupRequest::Reader r) {
  return X{text(r.getContent()), r.getAtNs()};
}

} // namespace

void entity::write_command(const command& c, schema::Envelope::Builder e) {
  auto out = e.getPayload().initUserGroupCommand();
  std::visit(overloaded{
                 [&](const add& x) { put_add(x, out.initAdd()); },
                 [&](const record_request& x) { put_request(x, out.initRecordRequest()); },
             },
             c);
}

result<command> entity::read_command(schema::Envelope::Reader e) {
  if (!e.getPayload().isUserGroupCommand())
    return make_error(codec_errc::wrong_payload, "expected a user group command");
  return guarded("user group command", [&]() -> result<command> {
    auto in = e.getPayload().getUserGroupCommand();
    using C = S::UserGroupCommand;
    switch (in.which()) {
      case C::ADD: return command{get_add<add>(in.getAdd())};
      case C::RECORD_REQUEST: return command{get_request<record_request>(in.getRecordRequest())};
    }
    return make_error(codec_errc::unknown_variant, "user group command " + std::to_string(static_cast<int>(in.which())));
  });
}

void entity::write_event(const event& ev, schema::Envelope::Builder e) {
  auto out = e.getPayload().initUserGroupEvent();
  std::visit(overloaded{
                 [&](const added& x) { put_add(x, out.initAdded()); },
                 [&](const requested& x) { put_request(x, out.initRequested()); },
             },
             ev);
}

result<event> entity::read_event(schema::Envelope::Reader e) {
  if (!e.getPayload().isUserGroupEvent())
    return make_error(codec_errc::wrong_payload, "expected a user group event");
  return guarded("user group event", [&]() -> result<event> {
    auto in = e.getPayload().getUserGroupEvent();
    using E = S::UserGroupEvent;
    switch (in.which()) {
      case E::ADDED: return event{get_add<added>(in.getAdded())};
      case E::REQUESTED: return event{get_request<requested>(in.getRequested())};
    }
    return make_error(codec_errc::unknown_variant, "user group event " + std::to_string(static_cast<int>(in.which())));
  });
}

std::string entity::write_state(const state& s) {
  return state_to_bytes<S::UserGroupState>([&](S::UserGroupState::Builder root) {
    root.setExists(s.exists);
    put(s.at, root.initAt());
    root.setDevices(s.devices);
    root.setRequests(s.requests);
    root.setLastRequestNs(s.last_request_ns);
  });
}

result<state> entity::read_state(std::string_view bytes_in) {
  return state_from_bytes<S::UserGroupState>(bytes_in, "user_group", [](S::UserGroupState::Reader root) -> result<state> {
    state s;
    s.exists = root.getExists();
    s.at = get(root.getAt());
    s.devices = root.getDevices();
    s.requests = root.getRequests();
    s.last_request_ns = root.getLastRequestNs();
    return s;
  });
}

} // namespace storemesh::services::delivery::user_group
