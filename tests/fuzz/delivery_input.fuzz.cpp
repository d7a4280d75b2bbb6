// Fuzz target: the four delivery kinds' codecs (services/delivery/*_codec)
// reading whatever a log may hold: a command, an event or a snapshot of a
// user group, content, edge unit or delivery. The first byte picks the kind
// (4), the form (command, event, state) and the path: the rest as a whole
// Envelope record (decoded_envelope::decode first, as the runtime does), or as
// the kind's own message copied into an envelope (so that most inputs reach
// the codec's fields rather than failing the envelope's checks).
//
// Invariants beyond "no crash, no UB":
//   - a read that fails is an error value with a message, never an exception;
//   - what reads, re-encodes and reads back the same (events and states by
//     operator==, commands by their encoding);
//   - the decider and evolve take whatever was read without a crash, and an
//     accepted command's events apply.
#include "events/envelope/decoded_envelope.hpp"
#include "services/delivery/content_codec.hpp"
#include "services/delivery/edge_unit_codec.hpp"
#include "services/delivery/process_codec.hpp"
#include "services/delivery/user_group_codec.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstring>
#include <string>
#include <vector>

namespace d = storemesh::services::delivery;
namespace S = storemesh::schema::delivery;
using storemesh::events::envelope::decoded_envelope;
using storemesh::schema::Envelope;

namespace {

enum class form { command, event, state };

template <class Entity>
void check_command(Envelope::Reader env) {
  auto c = Entity::read_command(env);
  if (!c) {
    FUZZ_CHECK(!c.error().message().empty(), "a refused command says why");
    return;
  }
  capnp::MallocMessageBuilder again;
  auto out = again.initRoot<Envelope>();
  Entity::write_command(c.value(), out);
  auto back = Entity::read_command(out.asReader());
  FUZZ_CHECK(back.has_value(), "a command that read re-encodes and reads back");
  capnp::MallocMessageBuilder third;
  auto out2 = third.initRoot<Envelope>();
  Entity::write_command(back.value(), out2);
  FUZZ_CHECK(out.asReader().getPayload().toString().flatten() == out2.asReader().getPayload().toString().flatten(),
             "a command reads back to what encodes the same");
  // The decider takes it on an empty state and on the state its own events make.
  auto s = typename Entity::state_type{};
  for (int round = 0; round < 2; ++round) {
    auto dd = Entity::decide(s, c.value());
    FUZZ_CHECK(dd.accepted() || !dd.why().code.empty(), "a refusal has a code");
    for (const auto& e : dd.events)
      s = Entity::evolve(std::move(s), e);
  }
}

template <class Entity>
void check_event(Envelope::Reader env) {
  auto e = Entity::read_event(env);
  if (!e) {
    FUZZ_CHECK(!e.error().message().empty(), "a refused event says why");
    return;
  }
  capnp::MallocMessageBuilder again;
  auto out = again.initRoot<Envelope>();
  Entity::write_event(e.value(), out);
  auto back = Entity::read_event(out.asReader());
  FUZZ_CHECK(back.has_value() && back.value() == e.value(), "an event reads back equal");
  auto s = Entity::evolve(typename Entity::state_type{}, e.value());
  s = Entity::evolve(std::move(s), e.value());  // twice: a replayed duplicate must not crash either
  auto snap = Entity::read_state(Entity::write_state(s));
  FUZZ_CHECK(snap.has_value() && snap.value() == s, "the state an event makes survives its snapshot");
}

template <class Entity>
void check_state(std::string_view bytes) {
  auto s = Entity::read_state(bytes);
  if (!s) {
    FUZZ_CHECK(!s.error().message().empty(), "a refused snapshot says why");
    return;
  }
  auto back = Entity::read_state(Entity::write_state(s.value()));
  FUZZ_CHECK(back.has_value() && back.value() == s.value(), "a state reads back equal");
}

template <class Entity>
void check(form f, Envelope::Reader env) {
  if (f == form::command)
    check_command<Entity>(env);
  else
    check_event<Entity>(env);
}

/// The kind's own command or event message (its root: bytes as a flat message), copied into an
/// envelope's payload. False when the bytes are not a message Cap'n Proto can copy.
template <class Root, class Set>
bool wrap(std::string_view bytes, capnp::MallocMessageBuilder& into, Set set) {
  std::vector<capnp::word> words(bytes.size() / sizeof(capnp::word));
  if (words.empty())
    return false;
  std::memcpy(words.data(), bytes.data(), words.size() * sizeof(capnp::word));
  try {
    capnp::FlatArrayMessageReader reader(kj::arrayPtr(words.data(), words.size()));
    auto payload = into.initRoot<Envelope>().getPayload();
    set(payload, reader.getRoot<Root>());
    return true;
  } catch (const kj::Exception&) {
    return false;
  }
}

template <class Entity, class CommandRoot, class EventRoot, class SetCommand, class SetEvent>
void run(form f, bool raw, std::string_view rest, SetCommand set_command, SetEvent set_event) {
  if (f == form::state) {
    check_state<Entity>(rest);
    return;
  }
  if (raw) {
    auto env = decoded_envelope::decode(rest);
    if (env)
      check<Entity>(f, env.value().reader());
    return;
  }
  capnp::MallocMessageBuilder message;
  const bool ok = f == form::command ? wrap<CommandRoot>(rest, message, set_command)
                                     : wrap<EventRoot>(rest, message, set_event);
  if (ok)
    check<Entity>(f, message.getRoot<Envelope>().asReader());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  const auto which = data[0] % 24;
  const auto kind = which % 4;
  const auto f = static_cast<form>((which / 4) % 3);
  const bool raw = which >= 12;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (kind) {
    case 0:
      run<d::user_group::entity, S::UserGroupCommand, S::UserGroupEvent>(
          f, raw, rest, [](auto p, auto r) { p.setUserGroupCommand(r); },
          [](auto p, auto r) { p.setUserGroupEvent(r); });
      break;
    case 1:
      run<d::content::entity, S::ContentCommand, S::ContentEvent>(
          f, raw, rest, [](auto p, auto r) { p.setContentCommand(r); }, [](auto p, auto r) { p.setContentEvent(r); });
      break;
    case 2:
      run<d::edge_unit::entity, S::EdgeUnitCommand, S::EdgeUnitEvent>(
          f, raw, rest, [](auto p, auto r) { p.setEdgeUnitCommand(r); },
          [](auto p, auto r) { p.setEdgeUnitEvent(r); });
      break;
    default:
      run<d::process::entity, S::DeliveryCommand, S::DeliveryEvent>(
          f, raw, rest, [](auto p, auto r) { p.setDeliveryCommand(r); },
          [](auto p, auto r) { p.setDeliveryEvent(r); });
      break;
  }
  return 0;
}
