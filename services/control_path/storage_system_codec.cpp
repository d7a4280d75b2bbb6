#include "services/control_path/storage_system_codec.hpp"

#include "services/capnp_read.hpp"
#include "services/codec_errc.hpp"
#include "services/state_bytes.hpp"

// A command and the event it produces carry the same fields under the same
// names, so one template per pair writes (or reads) both.

namespace storemesh::services::storage {
namespace {

namespace S = schema::storage;

void put(const scsi_answer& a, S::ScsiAnswer::Builder b) {
  b.setStatus(a.status);
  b.setSenseKey(a.sense_key);
  b.setAsc(a.asc);
  b.setAscq(a.ascq);
  b.setDataLength(a.data_length);
  b.setRxId(a.rx_id);
}
scsi_answer get(S::ScsiAnswer::Reader r) {
  return scsi_answer{r.getStatus(), r.getSenseKey(), r.getAsc(), r.getAscq(), r.getDataLength(), r.getRxId()};
}

template <class X, class B>
void put_forward(const X& x, B b) {
  b.setRequestId(data_of(x.request));
  b.setFromHost(x.from_host);
  b.setToHost(x.to_host);
  b.setOperation(x.operation);
  b.setAtNs(x.at_ns);
}
template <class X, class R>
X get_forward(R r) {
  return X{bytes(r.getRequestId()), text(r.getFromHost()), text(r.getToHost()), text(r.getOperation()), r.getAtNs()};
}

template <class X, class B>
void put_convert(const X& x, B b) {
  b.setRequestId(data_of(x.request));
  b.setHost(x.host);
  b.setEntryHost(x.entry_host);
  b.setOperation(x.operation);
  b.setLun(x.lun);
  b.setCdb(data_of(x.cdb));
  b.setAtNs(x.at_ns);
}

template <class X, class B>
void put_answer(const X& x, B b) {
  b.setRequestId(data_of(x.request));
  b.setOxId(x.ox_id);
  put(x.scsi, b.initScsi());
  b.setAtNs(x.at_ns);
}
template <class X, class R>
X get_answer(R r) {
  return X{bytes(r.getRequestId()), r.getOxId(), get(r.getScsi()), r.getAtNs()};
}

template <class X, class B>
void put_fail(const X& x, B b) {
  b.setRequestId(data_of(x.request));
  b.setOxId(x.ox_id);
  b.setSent(x.sent);
  b.setReason(x.reason);
  b.setAtNs(x.at_ns);
}
template <class X, class R>
X get_fail(R r) {
  return X{bytes(r.getRequestId()), r.getOxId(), r.getSent(), text(r.getReason()), r.getAtNs()};
}

} // namespace

void entity::write_command(const command& c, schema::Envelope::Builder e) {
  auto cmd = e.getPayload().initStorageCommand();
  std::visit(overloaded{
                 [&](const add& x) { cmd.initAdd().setFcPort(x.fc_port); },
                 [&](const link_host& x) { cmd.initLink().setHost(x.host); },
                 [&](const forward& x) { put_forward(x, cmd.initForward()); },
                 [&](const convert& x) { put_convert(x, cmd.initConvert()); },
                 [&](const answer& x) { put_answer(x, cmd.initAnswer()); },
                 [&](const fail& x) { put_fail(x, cmd.initFail()); },
             },
             c);
}

result<command> entity::read_command(schema::Envelope::Reader e) {
  if (!e.getPayload().isStorageCommand())
    return make_error(codec_errc::wrong_payload, "expected a storage command");
  return guarded("storage command", [&]() -> result<command> {
    auto cmd = e.getPayload().getStorageCommand();
    using C = S::StorageCommand;
    switch (cmd.which()) {
      case C::ADD: return command{add{text(cmd.getAdd().getFcPort())}};
      case C::LINK: return command{link_host{text(cmd.getLink().getHost())}};
      case C::FORWARD: return command{get_forward<forward>(cmd.getForward())};
      case C::CONVERT: {
        auto g = cmd.getConvert();
        return command{convert{bytes(g.getRequestId()), text(g.getHost()), text(g.getEntryHost()),
                               text(g.getOperation()), g.getLun(), bytes(g.getCdb()), g.getAtNs()}};
      }
      case C::ANSWER: return command{get_answer<answer>(cmd.getAnswer())};
      case C::FAIL: return command{get_fail<fail>(cmd.getFail())};
    }
    return make_error(codec_errc::unknown_variant, "storage command " + std::to_string(static_cast<int>(cmd.which())));
  });
}

void entity::write_event(const event& ev, schema::Envelope::Builder e) {
  auto out = e.getPayload().initStorageEvent();
  std::visit(overloaded{
                 [&](const added& x) { out.initAdded().setFcPort(x.fc_port); },
                 [&](const linked& x) {
                   auto g = out.initLinked();
                   g.setHost(x.host);
                   g.setPrevious(x.previous);
                 },
                 [&](const forwarded& x) { put_forward(x, out.initForwarded()); },
                 [&](const converted& x) {
                   auto g = out.initConverted();
                   put_convert(x, g);
                   g.setOxId(x.ox_id);
                 },
                 [&](const answered& x) { put_answer(x, out.initAnswered()); },
                 [&](const failed& x) { put_fail(x, out.initFailed()); },
             },
             ev);
}

result<event> entity::read_event(schema::Envelope::Reader e) {
  if (!e.getPayload().isStorageEvent())
    return make_error(codec_errc::wrong_payload, "expected a storage event");
  return guarded("storage event", [&]() -> result<event> {
    auto ev = e.getPayload().getStorageEvent();
    using E = S::StorageEvent;
    switch (ev.which()) {
      case E::ADDED: return event{added{text(ev.getAdded().getFcPort())}};
      case E::LINKED: return event{linked{text(ev.getLinked().getHost()), text(ev.getLinked().getPrevious())}};
      case E::FORWARDED: return event{get_forward<forwarded>(ev.getForwarded())};
      case E::CONVERTED: {
        auto g = ev.getConverted();
        return event{converted{bytes(g.getRequestId()), g.getOxId(), text(g.getHost()), text(g.getEntryHost()),
                               text(g.getOperation()), g.getLun(), bytes(g.getCdb()), g.getAtNs()}};
      }
      case E::ANSWERED: return event{get_answer<answered>(ev.getAnswered())};
      case E::FAILED: return event{get_fail<failed>(ev.getFailed())};
    }
    return make_error(codec_errc::unknown_variant, "storage event " + std::to_string(static_cast<int>(ev.which())));
  });
}

std::string entity::write_state(const state& s) {
  return state_to_bytes<S::StorageState>([&](S::StorageState::Builder root) {
    root.setAdded(s.added);
    root.setFcPort(s.fc_port);
    root.setHost(s.host);
    root.setNextOxId(s.next_ox_id);
    root.setConverted(s.converted);
    root.setAnswered(s.answered);
    root.setFailed(s.failed);
    root.setForwarded(s.forwarded);
    auto open = root.initOpen(static_cast<unsigned>(s.open.size()));
    unsigned i = 0;
    for (const auto& [request, x] : s.open) {
      auto b = open[i++];
      b.setRequestId(data_of(request));
      b.setOxId(x.ox_id);
      b.setHost(x.host);
      b.setOperation(x.operation);
      b.setLun(x.lun);
      b.setAtNs(x.at_ns);
    }
  });
}

result<state> entity::read_state(std::string_view bytes_in) {
  return state_from_bytes<S::StorageState>(bytes_in, "storage", [](S::StorageState::Reader root) -> result<state> {
    state s;
    s.added = root.getAdded();
    s.fc_port = text(root.getFcPort());
    s.host = text(root.getHost());
    s.next_ox_id = root.getNextOxId();
    s.converted = root.getConverted();
    s.answered = root.getAnswered();
    s.failed = root.getFailed();
    s.forwarded = root.getForwarded();
    for (auto x : root.getOpen())
      s.open[bytes(x.getRequestId())] =
          open_exchange{x.getOxId(), text(x.getHost()), text(x.getOperation()), x.getLun(), x.getAtNs()};
    return s;
  });
}

} // namespace storemesh::services::storage

namespace storemesh::services::control_host {
namespace {
namespace S = schema::storage;

template <class X, class B>
void put_attach(const X& x, B b) {
  b.setEndpoint(x.endpoint);
  b.setUpstream(x.upstream);
  b.setAtNs(x.at_ns);
}
template <class X, class R>
X get_attach(R r) {
  return X{text(r.getEndpoint()), text(r.getUpstream()), r.getAtNs()};
}
} // namespace

void entity::write_command(const command& c, schema::Envelope::Builder e) {
  put_attach(std::get<attach>(c), e.getPayload().initControlHostCommand());
}

result<command> entity::read_command(schema::Envelope::Reader e) {
  if (!e.getPayload().isControlHostCommand())
    return make_error(codec_errc::wrong_payload, "expected a control host command");
  return guarded("control host command", [&]() -> result<command> {
    return command{get_attach<attach>(e.getPayload().getControlHostCommand())};
  });
}

void entity::write_event(const event& ev, schema::Envelope::Builder e) {
  put_attach(std::get<attached>(ev), e.getPayload().initControlHostEvent());
}

result<event> entity::read_event(schema::Envelope::Reader e) {
  if (!e.getPayload().isControlHostEvent())
    return make_error(codec_errc::wrong_payload, "expected a control host event");
  return guarded("control host event", [&]() -> result<event> {
    return event{get_attach<attached>(e.getPayload().getControlHostEvent())};
  });
}

std::string entity::write_state(const state& s) {
  return state_to_bytes<S::ControlHostState>([&](S::ControlHostState::Builder root) {
    root.setAttached(s.attached);
    root.setEndpoint(s.endpoint);
    root.setUpstream(s.upstream);
    root.setAtNs(s.at_ns);
  });
}

result<state> entity::read_state(std::string_view bytes_in) {
  return state_from_bytes<S::ControlHostState>(bytes_in, "control_host", [](S::ControlHostState::Reader root) -> result<state> {
    return state{root.getAttached(), text(root.getEndpoint()), text(root.getUpstream()), root.getAtNs()};
  });
}

} // namespace storemesh::services::control_host
