#include "services/migration/migration_codec.hpp"

#include "services/codec_errc.hpp"
#include "services/state_bytes.hpp"

namespace storemesh::services::migration {
namespace {

namespace S = schema::migration;

S::Outcome to_schema(outcome o) { return o == outcome::completed ? S::Outcome::COMPLETED : S::Outcome::FAILED; }

result<outcome> from_schema(S::Outcome o) {
  switch (o) {
    case S::Outcome::COMPLETED: return outcome::completed;
    case S::Outcome::FAILED: return outcome::failed;
  }
  return make_error(codec_errc::unknown_variant, "migration outcome " + std::to_string(static_cast<int>(o)));
}

template <class Group>
void write_begin(Group g, const std::string& job, std::uint32_t n, const std::string& from, const std::string& to,
                 const std::string& reason) {
  g.setJob(job);
  g.setMigration(n);
  g.setFrom(from);
  g.setTo(to);
  g.setReason(reason);
}

template <class T, class Group>
T read_begin(Group g) {
  return T{g.getJob().cStr(), g.getMigration(), g.getFrom().cStr(), g.getTo().cStr(), g.getReason().cStr()};
}

} // namespace

void entity::write_command(const command& c, schema::Envelope::Builder e) {
  auto cmd = e.getPayload().initMigrationCommand();
  std::visit(overloaded{
                 [&](const begin& x) { write_begin(cmd.initBegin(), x.job, x.migration, x.from, x.to, x.reason); },
                 [&](const observe_portion& x) { cmd.initObservePortion().setOffset(x.offset); },
                 [&](const observe_resumed& x) { cmd.initObserveResumed().setEpoch(x.epoch); },
                 [&](const observe_end& x) { cmd.initObserveEnd().setOutcome(to_schema(x.result)); },
             },
             c);
}

result<command> entity::read_command(schema::Envelope::Reader e) {
  if (!e.getPayload().isMigrationCommand())
    return make_error(codec_errc::wrong_payload, "expected a migration command");
  auto cmd = e.getPayload().getMigrationCommand();
  switch (cmd.which()) {
    case S::Command::BEGIN: return command{read_begin<begin>(cmd.getBegin())};
    case S::Command::OBSERVE_PORTION: return command{observe_portion{cmd.getObservePortion().getOffset()}};
    case S::Command::OBSERVE_RESUMED: return command{observe_resumed{cmd.getObserveResumed().getEpoch()}};
    case S::Command::OBSERVE_END: {
      SM_TRY(auto o, from_schema(cmd.getObserveEnd().getOutcome()));
      return command{observe_end{o}};
    }
  }
  return make_error(codec_errc::unknown_variant, "migration command " + std::to_string(static_cast<int>(cmd.which())));
}

void entity::write_event(const event& ev, schema::Envelope::Builder e) {
  auto out = e.getPayload().initMigrationEvent();
  std::visit(overloaded{
                 [&](const begun& x) { write_begin(out.initBegun(), x.job, x.migration, x.from, x.to, x.reason); },
                 [&](const portion_received& x) { out.initPortionReceived().setOffset(x.offset); },
                 [&](const resumed& x) { out.initResumed().setEpoch(x.epoch); },
                 [&](const ended& x) { out.initEnded().setOutcome(to_schema(x.result)); },
             },
             ev);
}

result<event> entity::read_event(schema::Envelope::Reader e) {
  if (!e.getPayload().isMigrationEvent())
    return make_error(codec_errc::wrong_payload, "expected a migration event");
  auto ev = e.getPayload().getMigrationEvent();
  switch (ev.which()) {
    case S::Event::BEGUN: return event{read_begin<begun>(ev.getBegun())};
    case S::Event::PORTION_RECEIVED: return event{portion_received{ev.getPortionReceived().getOffset()}};
    case S::Event::RESUMED: return event{resumed{ev.getResumed().getEpoch()}};
    case S::Event::ENDED: {
      SM_TRY(auto o, from_schema(ev.getEnded().getOutcome()));
      return event{ended{o}};
    }
  }
  return make_error(codec_errc::unknown_variant, "migration event " + std::to_string(static_cast<int>(ev.which())));
}

std::string entity::write_state(const state& s) {
  return state_to_bytes<S::State>([&](S::State::Builder r) {
    r.setPhase(static_cast<std::uint8_t>(s.at));
    r.setJob(s.job);
    r.setMigration(s.migration);
    r.setFrom(s.from);
    r.setTo(s.to);
    r.setReason(s.reason);
    r.setOffset(s.offset);
    r.setEpoch(s.epoch);
    r.setOutcome(static_cast<std::uint8_t>(s.result));
  });
}

result<state> entity::read_state(std::string_view bytes) {
  return state_from_bytes<S::State>(bytes, "migration", [](S::State::Reader r) -> result<state> {
    if (r.getPhase() > static_cast<std::uint8_t>(phase::ended) ||
        r.getOutcome() > static_cast<std::uint8_t>(outcome::failed))
      return make_error(codec_errc::unknown_variant, "migration phase or outcome out of range");
    state s;
    s.at = static_cast<phase>(r.getPhase());
    s.job = r.getJob().cStr();
    s.migration = r.getMigration();
    s.from = r.getFrom().cStr();
    s.to = r.getTo().cStr();
    s.reason = r.getReason().cStr();
    s.offset = r.getOffset();
    s.epoch = r.getEpoch();
    s.result = static_cast<outcome>(r.getOutcome());
    return s;
  });
}

} // namespace storemesh::services::migration
