#include "services/migration/copy_job_codec.hpp"

#include "services/codec_errc.hpp"
#include "services/state_bytes.hpp"

#include <cstring>

namespace storemesh::services::copy_job {
namespace {

namespace S = schema::copy_job;

void write_location(const location& l, S::Location::Builder b) {
  b.setDatastore(l.datastore);
  b.setPath(l.path);
}

location read_location(S::Location::Reader r) { return {r.getDatastore().cStr(), r.getPath().cStr()}; }

capnp::Data::Reader as_data(const chunk_hash& h) { return {h.data(), h.size()}; }

void write_hashes(const std::vector<chunk_hash>& in, capnp::List<capnp::Data>::Builder out) {
  for (unsigned i = 0; i < in.size(); ++i)
    out.set(i, as_data(in[i]));
}

result<chunk_hash> read_hash(capnp::Data::Reader d) {
  chunk_hash h{};
  if (d.size() != h.size())
    return make_error(codec_errc::malformed, "a chunk hash is " + std::to_string(d.size()) + " bytes, not 32");
  std::memcpy(h.data(), d.begin(), h.size());
  return h;
}

result<std::vector<chunk_hash>> read_hashes(capnp::List<capnp::Data>::Reader in) {
  std::vector<chunk_hash> out;
  out.reserve(in.size());
  for (auto d : in) {
    SM_TRY(auto h, read_hash(d));
    out.push_back(h);
  }
  return out;
}

template <class Builder>
void write_progress(Builder g, std::uint32_t epoch, std::uint64_t offset, const std::vector<chunk_hash>& hashes) {
  g.setEpoch(epoch);
  g.setOffset(offset);
  write_hashes(hashes, g.initHashes(static_cast<unsigned>(hashes.size())));
}

template <class Command, class Reader>
result<command> read_progress(Reader g) {
  SM_TRY(auto hashes, read_hashes(g.getHashes()));
  return command{Command{g.getEpoch(), g.getOffset(), std::move(hashes)}};
}

} // namespace

void entity::write_command(const command& c, schema::Envelope::Builder e) {
  auto cmd = e.getPayload().initCopyJobCommand();
  std::visit(overloaded{
                 [&](const submit& x) {
                   auto g = cmd.initSubmit();
                   write_location(x.source, g.initSource());
                   write_location(x.destination, g.initDestination());
                   g.setHost(x.host);
                   g.setChunkSize(x.chunk_size);
                   g.setMaxRate(x.max_rate);
                 },
                 [&](const migrate& x) {
                   auto g = cmd.initMigrate();
                   g.setTo(x.to);
                   g.setReason(x.reason);
                 },
                 [&](const request_stop& x) { cmd.initRequestStop().setMigration(x.migration); },
                 [&](const hand_over& x) { cmd.initHandOver().setMigration(x.migration); },
                 [&](const report_started& x) {
                   auto g = cmd.initReportStarted();
                   g.setEpoch(x.epoch);
                   g.setSize(x.size);
                   g.setMtimeNs(x.mtime_ns);
                 },
                 [&](const report_progress& x) {
                   auto g = cmd.initReportProgress();
                   write_progress(g, x.epoch, x.offset, x.hashes);
                   g.setMeasuredNs(x.measured_ns);
                 },
                 [&](const report_stopped& x) { write_progress(cmd.initReportStopped(), x.epoch, x.offset, x.hashes); },
                 [&](const report_finished& x) {
                   auto g = cmd.initReportFinished();
                   g.setEpoch(x.epoch);
                   g.setDigest(as_data(x.digest));
                 },
                 [&](const report_failed& x) {
                   auto g = cmd.initReportFailed();
                   g.setEpoch(x.epoch);
                   g.setCode(x.code);
                   g.setReason(x.reason);
                 },
                 [&](const throttle& x) {
                   auto g = cmd.initThrottle();
                   g.setMaxRate(x.max_rate);
                   g.setUntilOffset(x.until);
                   g.setThenRate(x.then);
                 },
                 [&](const report_finalizing& x) {
                   auto g = cmd.initReportFinalizing();
                   g.setEpoch(x.epoch);
                   g.setStartedNs(x.started_ns);
                 },
             },
             c);
}

result<command> entity::read_command(schema::Envelope::Reader e) {
  if (!e.getPayload().isCopyJobCommand())
    return make_error(codec_errc::wrong_payload, "expected a copy_job command");
  auto cmd = e.getPayload().getCopyJobCommand();
  using W = S::Command;
  switch (cmd.which()) {
    case W::SUBMIT: {
      auto g = cmd.getSubmit();
      return command{submit{read_location(g.getSource()), read_location(g.getDestination()), g.getHost().cStr(),
                            g.getChunkSize(), g.getMaxRate()}};
    }
    case W::MIGRATE: return command{migrate{cmd.getMigrate().getTo().cStr(), cmd.getMigrate().getReason().cStr()}};
    case W::REQUEST_STOP: return command{request_stop{cmd.getRequestStop().getMigration()}};
    case W::HAND_OVER: return command{hand_over{cmd.getHandOver().getMigration()}};
    case W::REPORT_STARTED: {
      auto g = cmd.getReportStarted();
      return command{report_started{g.getEpoch(), g.getSize(), g.getMtimeNs()}};
    }
    case W::REPORT_PROGRESS: {
      SM_TRY(auto c, read_progress<report_progress>(cmd.getReportProgress()));
      std::get<report_progress>(c).measured_ns = cmd.getReportProgress().getMeasuredNs();
      return c;
    }
    case W::REPORT_STOPPED: return read_progress<report_stopped>(cmd.getReportStopped());
    case W::REPORT_FINISHED: {
      SM_TRY(auto digest, read_hash(cmd.getReportFinished().getDigest()));
      return command{report_finished{cmd.getReportFinished().getEpoch(), digest}};
    }
    case W::REPORT_FAILED: {
      auto g = cmd.getReportFailed();
      return command{report_failed{g.getEpoch(), g.getCode().cStr(), g.getReason().cStr()}};
    }
    case W::THROTTLE: {
      auto g = cmd.getThrottle();
      return command{throttle{g.getMaxRate(), g.getUntilOffset(), g.getThenRate()}};
    }
    case W::REPORT_FINALIZING: {
      auto g = cmd.getReportFinalizing();
      return command{report_finalizing{g.getEpoch(), g.getStartedNs()}};
    }
  }
  return make_error(codec_errc::unknown_variant, "copy_job command " + std::to_string(static_cast<int>(cmd.which())));
}

void entity::write_event(const event& ev, schema::Envelope::Builder e) {
  auto out = e.getPayload().initCopyJobEvent();
  std::visit(overloaded{
                 [&](const submitted& x) {
                   auto g = out.initSubmitted();
                   write_location(x.source, g.initSource());
                   write_location(x.destination, g.initDestination());
                   g.setChunkSize(x.chunk_size);
                   g.setMaxRate(x.max_rate);
                 },
                 [&](const assigned& x) {
                   auto g = out.initAssigned();
                   g.setHost(x.host);
                   g.setEpoch(x.epoch);
                   g.setFrom(x.from);
                   g.setMigration(x.migration);
                 },
                 [&](const started& x) {
                   auto g = out.initStarted();
                   g.setSize(x.size);
                   g.setMtimeNs(x.mtime_ns);
                 },
                 [&](const progressed& x) {
                   auto g = out.initProgressed();
                   g.setOffset(x.offset);
                   write_hashes(x.hashes, g.initHashes(static_cast<unsigned>(x.hashes.size())));
                   g.setMeasuredNs(x.measured_ns);
                 },
                 [&](const migration_requested& x) {
                   auto g = out.initMigrationRequested();
                   g.setMigration(x.migration);
                   g.setFrom(x.from);
                   g.setTo(x.to);
                   g.setReason(x.reason);
                 },
                 [&](const stop_requested& x) {
                   auto g = out.initStopRequested();
                   g.setMigration(x.migration);
                   g.setHost(x.host);
                   g.setEpoch(x.epoch);
                 },
                 [&](const portion_completed& x) {
                   auto g = out.initPortionCompleted();
                   g.setHost(x.host);
                   g.setEpoch(x.epoch);
                   g.setOffset(x.offset);
                   g.setMigration(x.migration);
                 },
                 [&](const completed& x) {
                   auto g = out.initCompleted();
                   g.setDigest(as_data(x.digest));
                   g.setMigration(x.migration);
                 },
                 [&](const failed& x) {
                   auto g = out.initFailed();
                   g.setCode(x.code);
                   g.setReason(x.reason);
                   g.setMigration(x.migration);
                 },
                 [&](const throttled& x) {
                   auto g = out.initThrottled();
                   g.setMaxRate(x.max_rate);
                   g.setUntilOffset(x.until);
                   g.setThenRate(x.then);
                 },
                 [&](const finalizing& x) {
                   auto g = out.initFinalizing();
                   g.setHost(x.host);
                   g.setEpoch(x.epoch);
                   g.setStartedNs(x.started_ns);
                 },
             },
             ev);
}

result<event> entity::read_event(schema::Envelope::Reader e) {
  if (!e.getPayload().isCopyJobEvent())
    return make_error(codec_errc::wrong_payload, "expected a copy_job event");
  auto ev = e.getPayload().getCopyJobEvent();
  using W = S::Event;
  switch (ev.which()) {
    case W::SUBMITTED: {
      auto g = ev.getSubmitted();
      return event{submitted{read_location(g.getSource()), read_location(g.getDestination()), g.getChunkSize(),
                             g.getMaxRate()}};
    }
    case W::ASSIGNED: {
      auto g = ev.getAssigned();
      return event{assigned{g.getHost().cStr(), g.getEpoch(), g.getFrom(), g.getMigration()}};
    }
    case W::STARTED: return event{started{ev.getStarted().getSize(), ev.getStarted().getMtimeNs()}};
    case W::PROGRESSED: {
      SM_TRY(auto hashes, read_hashes(ev.getProgressed().getHashes()));
      return event{progressed{ev.getProgressed().getOffset(), std::move(hashes), ev.getProgressed().getMeasuredNs()}};
    }
    case W::MIGRATION_REQUESTED: {
      auto g = ev.getMigrationRequested();
      return event{migration_requested{g.getMigration(), g.getFrom().cStr(), g.getTo().cStr(), g.getReason().cStr()}};
    }
    case W::STOP_REQUESTED: {
      auto g = ev.getStopRequested();
      return event{stop_requested{g.getMigration(), g.getHost().cStr(), g.getEpoch()}};
    }
    case W::PORTION_COMPLETED: {
      auto g = ev.getPortionCompleted();
      return event{portion_completed{g.getHost().cStr(), g.getEpoch(), g.getOffset(), g.getMigration()}};
    }
    case W::COMPLETED: {
      SM_TRY(auto digest, read_hash(ev.getCompleted().getDigest()));
      return event{completed{digest, ev.getCompleted().getMigration()}};
    }
    case W::FAILED: {
      auto g = ev.getFailed();
      return event{failed{g.getCode().cStr(), g.getReason().cStr(), g.getMigration()}};
    }
    case W::THROTTLED: {
      auto g = ev.getThrottled();
      return event{throttled{g.getMaxRate(), g.getUntilOffset(), g.getThenRate()}};
    }
    case W::FINALIZING: {
      auto g = ev.getFinalizing();
      return event{finalizing{g.getHost().cStr(), g.getEpoch(), g.getStartedNs()}};
    }
  }
  return make_error(codec_errc::unknown_variant, "copy_job event " + std::to_string(static_cast<int>(ev.which())));
}

std::string entity::write_state(const state& s) {
  return state_to_bytes<S::State>([&](S::State::Builder r) {
    r.setStatus(static_cast<std::uint8_t>(s.status));
    write_location(s.source, r.initSource());
    write_location(s.destination, r.initDestination());
    r.setChunkSize(s.chunk_size);
    r.setMaxRate(s.max_rate);
    r.setHost(s.host);
    r.setEpoch(s.epoch);
    r.setStarted(s.started);
    r.setSize(s.size);
    r.setMtimeNs(s.mtime_ns);
    r.setOffset(s.offset);
    write_hashes(s.hashes, r.initHashes(static_cast<unsigned>(s.hashes.size())));
    r.setMigrations(s.migrations);
    r.setMigrateTo(s.migrate_to);
    r.setStopSent(s.stop_sent);
    r.setPortionDone(s.portion_done);
    auto hops = r.initHops(static_cast<unsigned>(s.hops.size()));
    for (unsigned i = 0; i < s.hops.size(); ++i) {
      hops[i].setHost(s.hops[i].host);
      hops[i].setEpoch(s.hops[i].epoch);
      hops[i].setFrom(s.hops[i].from);
    }
    r.setDigest(as_data(s.digest));
    r.setFailureCode(s.failure_code);
    r.setFailureReason(s.failure_reason);
    r.setRateUntil(s.rate_until);
    r.setRateThen(s.rate_then);
  });
}

result<state> entity::read_state(std::string_view bytes) {
  return state_from_bytes<S::State>(bytes, "copy_job", [](S::State::Reader r) -> result<state> {
    state s;
    if (r.getStatus() > static_cast<std::uint8_t>(job_status::finalizing))
      return make_error(codec_errc::unknown_variant, "copy_job status " + std::to_string(r.getStatus()));
    s.status = static_cast<job_status>(r.getStatus());
    s.source = read_location(r.getSource());
    s.destination = read_location(r.getDestination());
    s.chunk_size = r.getChunkSize();
    s.max_rate = r.getMaxRate();
    s.host = r.getHost().cStr();
    s.epoch = r.getEpoch();
    s.started = r.getStarted();
    s.size = r.getSize();
    s.mtime_ns = r.getMtimeNs();
    s.offset = r.getOffset();
    SM_TRY(s.hashes, read_hashes(r.getHashes()));
    s.migrations = r.getMigrations();
    s.migrate_to = r.getMigrateTo().cStr();
    s.stop_sent = r.getStopSent();
    s.portion_done = r.getPortionDone();
    for (auto h : r.getHops())
      s.hops.push_back(hop{h.getHost().cStr(), h.getEpoch(), h.getFrom()});
    if (r.hasDigest()) {
      SM_TRY(s.digest, read_hash(r.getDigest()));
    }
    s.failure_code = r.getFailureCode().cStr();
    s.failure_reason = r.getFailureReason().cStr();
    s.rate_until = r.getRateUntil();
    s.rate_then = r.getRateThen();
    return s;
  });
}

} // namespace storemesh::services::copy_job
