#include "ops/job_view.hpp"

#include "events/envelope/decoded_envelope.hpp"
#include "events/envelope/envelope_json.hpp"
#include "actors/topic_follower.hpp"
#include "services/migration/copy_job_codec.hpp"
#include "services/migration/engine/chunk_hash.hpp"
#include "services/migration/migration_codec.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>

namespace storemesh::ops {
namespace {

namespace job = services::copy_job;
using events::envelope::json_string;
namespace pm = services::migration;

std::string describe(const job::event& e) {
  return std::visit(services::overloaded{
                        [](const job::submitted& x) {
                          return fmt::format("submitted {}:{} -> {}:{} (chunk {}{})", x.source.datastore,
                                             x.source.path, x.destination.datastore, x.destination.path,
                                             human_bytes(static_cast<double>(x.chunk_size)),
                                             x.max_rate ? ", max " + human_bytes(static_cast<double>(x.max_rate)) + "/s"
                                                        : std::string());
                        },
                        [](const job::assigned& x) {
                          return x.migration == 0
                                     ? fmt::format("request 1: {} copies from 0 (epoch {})", x.host, x.epoch)
                                     : fmt::format("request 3: {} copies the remainder from {} (epoch {})", x.host,
                                                   x.from, x.epoch);
                        },
                        [](const job::started& x) {
                          return fmt::format("source recorded: {} bytes", x.size);
                        },
                        [](const job::progressed& x) {
                          return fmt::format("progress {} ({} chunk hashes)", human_bytes(static_cast<double>(x.offset)),
                                             x.hashes.size());
                        },
                        [](const job::migration_requested& x) {
                          return fmt::format("migration {}: {} -> {} selected{}", x.migration, x.from, x.to,
                                             x.reason.empty() ? std::string() : " (" + x.reason + ")");
                        },
                        [](const job::stop_requested& x) {
                          return fmt::format("request 2: {} stops after the chunk in flight", x.host);
                        },
                        [](const job::portion_completed& x) {
                          return fmt::format("{} completed a first portion up to {} and stopped", x.host, x.offset);
                        },
                        [](const job::completed& x) {
                          return "completed, verified; digest " + pm::to_hex(x.digest);
                        },
                        [](const job::failed& x) { return fmt::format("failed ({}): {}", x.code, x.reason); },
                        [](const job::throttled& x) {
                          return "throttled: " + describe_throttle(x.max_rate, x.until, x.then);
                        },
                        [](const job::finalizing& x) {
                          return fmt::format("{} copied every byte; finalizing: fdatasync, read-back, chunk hashes "
                                             "compared, rename (epoch {})",
                                             x.host, x.epoch);
                        },
                    },
                    e);
}

std::string describe(const pm::event& e) {
  return std::visit(services::overloaded{
                        [](const pm::begun& x) { return fmt::format("begun {} -> {}", x.from, x.to); },
                        [](const pm::portion_received& x) {
                          return fmt::format("portion message received (offset {})", x.offset);
                        },
                        [](const pm::resumed& x) { return fmt::format("target took over (epoch {})", x.epoch); },
                        [](const pm::ended& x) { return fmt::format("ended: job {}", pm::to_string(x.result)); },
                    },
                    e);
}

} // namespace

double job_view::rate() const {
  if (samples.size() < 2)
    return 0;
  const auto& last = samples.back();
  // A window of about two seconds: recent enough to follow a throttle or a
  // hand-over, long enough to smooth chunk granularity.
  // Within one epoch: one host's clock (two hosts' clocks need not agree).
  std::size_t i = samples.size() - 1;
  while (i > 0 && samples[i - 1].epoch == last.epoch && last.timestamp_ns - samples[i - 1].timestamp_ns < 2'000'000'000)
    --i;
  if (i == samples.size() - 1) {
    if (samples[i - 1].epoch != last.epoch)
      return 0;  // the first report of a new host: its pace is not known yet
    --i;
  }
  const auto dt = static_cast<double>(last.timestamp_ns - samples[i].timestamp_ns) / 1e9;
  const auto db = static_cast<double>(last.offset) - static_cast<double>(samples[i].offset);
  return dt > 0 && db > 0 ? db / dt : 0;
}

job_board::job_board(events::event_log& log, const actors::topics& names, std::string only)
    : log_(log), names_(names), only_(std::move(only)) {}

job_board::~job_board() = default;

void job_board::fold(const std::string& topic, const events::record_view& r) {
  auto env = events::envelope::decoded_envelope::decode(r.value);
  if (!env)
    return;
  const auto kind = env.value().entity_kind();
  const std::string id(env.value().entity_id());
  const auto reader = env.value().reader();
  const auto ts = reader.getTimestampNs();
  if (topic == names_.events(job::entity::kind) && kind == job::entity::kind) {
    if (!only_.empty() && id != only_)
      return;
    auto e = job::entity::read_event(reader);
    if (!e)
      return;
    auto& j = jobs_[id];
    j.state = job::evolve(std::move(j.state), e.value());
    if (std::holds_alternative<job::submitted>(e.value()))
      j.submitted_ns = ts;
    if (j.state.finished() && j.ended_ns == 0)
      j.ended_ns = ts;
    const auto* p = std::get_if<job::progressed>(&e.value());
    if (p != nullptr)
      // The host's own time of the copy when it says it (a backlog of reports
      // decided at once, after a takeover or a restart, keeps its pace).
      j.samples.push_back({p->measured_ns != 0 ? p->measured_ns : ts, j.state.epoch, p->offset});
    if (std::holds_alternative<job::portion_completed>(e.value()))
      j.portion_ns = ts;
    if (const auto* f = std::get_if<job::finalizing>(&e.value())) {
      j.finalizing_ns = f->started_ns != 0 ? f->started_ns : ts;
      j.finalizing_recorded_ns = ts;
    }
    j.timeline.push_back({ts, "copy_job", describe(e.value()), p != nullptr, p != nullptr ? p->offset : 0});
    changed_.insert(id);
  } else if (kind == pm::entity::kind) {
    // A migration's first event follows its job's migration_requested, which
    // an earlier pass over the job topic has folded.
    auto parsed = pm::parse_migration_id(id);
    if (!parsed || jobs_.count(parsed->first) == 0)
      return;
    auto e = pm::entity::read_event(reader);
    if (!e)
      return;
    jobs_[parsed->first].timeline.push_back(
        {ts, "migration", "migration " + std::to_string(parsed->second) + " " + describe(e.value())});
    changed_.insert(parsed->first);
  }
}

const std::map<std::string, job_view>& job_board::refresh() {
  if (!follower_) {
    // Topics that do not exist yet (no daemon has run) hold no jobs.
    std::vector<std::string> topics;
    for (auto kind : {job::entity::kind, pm::entity::kind})
      if (log_.partitions(names_.events(kind)))
        topics.push_back(names_.events(kind));
    if (topics.size() < 2)
      return jobs_;
    auto f = actors::topic_follower::open(log_, topics, [](const std::string&, partition_id) { return offset{0}; });
    if (!f)
      return jobs_;
    follower_ = std::make_unique<actors::topic_follower>(std::move(f).value());
  }
  // Everything appended so far, not only one poll's worth.
  for (;;) {
    auto n = follower_->poll([&](const std::string& t, partition_id, const events::record_view& r) { fold(t, r); });
    if (!n || n.value() == 0)
      break;
  }
  for (const auto& id : changed_) {
    auto& t = jobs_[id].timeline;
    std::stable_sort(t.begin(), t.end(),
                     [](const timeline_entry& a, const timeline_entry& b) { return a.timestamp_ns < b.timestamp_ns; });
  }
  changed_.clear();
  return jobs_;
}

std::map<std::string, job_view> read_jobs(events::event_log& log, const actors::topics& names,
                                          const std::string& only) {
  job_board board(log, names, only);
  return board.refresh();
}

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.1f} {}", bytes, units[u]);
}

std::int64_t wall_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string describe_throttle(std::uint64_t rate, std::uint64_t until, std::uint64_t then) {
  auto one = [](std::uint64_t r) { return r == 0 ? std::string("unthrottled") : human_bytes(static_cast<double>(r)) + "/s"; };
  if (until == 0)
    return one(rate);
  return fmt::format("{} until {}, then {}", one(rate), human_bytes(static_cast<double>(until)), one(then));
}

std::string progress_line(const std::string& id, const job_view& j, bool bar, std::int64_t now_ns) {
  const auto& s = j.state;
  const double total = static_cast<double>(s.size);
  const double done = static_cast<double>(s.offset);
  const double frac = total > 0 ? done / total : (s.status == job::job_status::completed ? 1.0 : 0.0);
  // Nothing is copied while finalizing: no rate, and the time spent verifying instead of an ETA.
  const bool finalizing = s.status == job::job_status::finalizing;
  const double rate = finalizing ? 0 : j.rate();
  std::string eta = "-";
  if (s.status == job::job_status::completed)
    eta = fmt::format("done in {:.1f}s", static_cast<double>(j.ended_ns - j.submitted_ns) / 1e9);
  else if (finalizing)
    eta = fmt::format("verifying {:.1f}s", static_cast<double>(std::max<std::int64_t>(0, now_ns - j.finalizing_ns)) / 1e9);
  else if (rate > 0 && total > done)
    eta = fmt::format("ETA {:.0f}s", (total - done) / rate);
  std::string graphic;
  if (bar) {
    const int width = 30;
    const int filled = static_cast<int>(frac * width);
    graphic = "[" + std::string(static_cast<std::size_t>(filled), '#') +
              std::string(static_cast<std::size_t>(width - filled), '.') + "] ";
  }
  return fmt::format("{} {}{:3.0f}% {}/{} {} {} {} on {}", id, graphic, frac * 100, human_bytes(done),
                     human_bytes(total), finalizing ? std::string("-") : human_bytes(rate) + "/s", eta,
                     job::to_string(s.status),
                     s.host.empty() ? (s.migrate_to.empty() ? "-" : "-> " + s.migrate_to) : s.host);
}

std::string job_json(const std::string& id, const job_view& j) {
  const auto& s = j.state;
  const double rate = s.status == job::job_status::finalizing ? 0 : j.rate();
  const std::string eta = s.finished() ? "0"
                          : rate > 0 && s.size > s.offset
                              ? fmt::format("{:.1f}", static_cast<double>(s.size - s.offset) / rate)
                              : "null";
  std::string hops;
  for (const auto& h : s.hops)
    hops += fmt::format("{}{{\"host\":{},\"epoch\":{},\"from\":{}}}", hops.empty() ? "" : ",", json_string(h.host), h.epoch,
                        h.from);
  return fmt::format(
      "{{\"id\":{},\"state\":\"{}\",\"host\":{},\"source\":{},\"destination\":{},"
      "\"bytes_done\":{},\"bytes_total\":{},\"rate_bytes_per_s\":{:.0f},\"eta_seconds\":{},\"chunk_size\":{},\"max_rate\":{},"
      "\"rate_until\":{},\"rate_then\":{},\"stop_requested\":{},\"finalize_started_ns\":{},"
      "\"migrations\":{},\"hosts\":[{}],\"digest\":\"{}\",\"failure\":{}}}",
      json_string(id), job::to_string(s.status), json_string(s.host),
      json_string(s.source.datastore + ":" + s.source.path),
      json_string(s.destination.datastore + ":" + s.destination.path), s.offset, s.size, rate, eta, s.chunk_size,
      s.max_rate, s.rate_until, s.rate_then,
      // The source host was asked to stop and has not reported its portion yet.
      s.status == job::job_status::stopping && s.stop_sent && !s.portion_done ? "true" : "false",
      j.finalizing_ns, s.migrations, hops,
      s.status == job::job_status::completed ? pm::to_hex(s.digest) : "",
      json_string(s.failure_code.empty() ? "" : s.failure_code + ": " + s.failure_reason));
}

} // namespace storemesh::ops
