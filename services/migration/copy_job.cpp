#include "services/migration/copy_job.hpp"

#include "services/migration/engine/chunk_hash.hpp"
#include "services/migration/engine/datastore_path.hpp"

#include <algorithm>

namespace storemesh::services::copy_job {

bool submitted::operator==(const submitted& o) const {
  return source == o.source && destination == o.destination && chunk_size == o.chunk_size && max_rate == o.max_rate;
}
bool assigned::operator==(const assigned& o) const { return host == o.host && epoch == o.epoch && from == o.from && migration == o.migration;
}
bool started::operator==(const started& o) const { return size == o.size && mtime_ns == o.mtime_ns; }
bool progressed::operator==(const progressed& o) const {
  return offset == o.offset && hashes == o.hashes && measured_ns == o.measured_ns;
}
bool migration_requested::operator==(const migration_requested& o) const {
  return migration == o.migration && from == o.from && to == o.to && reason == o.reason;
}
bool stop_requested::operator==(const stop_requested& o) const {
  return migration == o.migration && host == o.host && epoch == o.epoch;
}
bool portion_completed::operator==(const portion_completed& o) const {
  return host == o.host && epoch == o.epoch && offset == o.offset && migration == o.migration;
}
bool completed::operator==(const completed& o) const { return digest == o.digest && migration == o.migration; }
bool failed::operator==(const failed& o) const {
  return code == o.code && reason == o.reason && migration == o.migration;
}
bool throttled::operator==(const throttled& o) const {
  return max_rate == o.max_rate && until == o.until && then == o.then;
}
bool finalizing::operator==(const finalizing& o) const {
  return host == o.host && epoch == o.epoch && started_ns == o.started_ns;
}
bool hop::operator==(const hop& o) const { return host == o.host && epoch == o.epoch && from == o.from; }
bool state::operator==(const state& o) const {
  return status == o.status && source == o.source && destination == o.destination && chunk_size == o.chunk_size &&
         max_rate == o.max_rate && rate_until == o.rate_until && rate_then == o.rate_then && host == o.host && epoch == o.epoch && started == o.started && size == o.size &&
         mtime_ns == o.mtime_ns && offset == o.offset && hashes == o.hashes && migrations == o.migrations &&
         migrate_to == o.migrate_to && stop_sent == o.stop_sent && portion_done == o.portion_done &&
         hops == o.hops && digest == o.digest && failure_code == o.failure_code &&
         failure_reason == o.failure_reason;
}

chunk_hash digest_of(const std::vector<chunk_hash>& hashes) { return migration::job_digest(hashes); }

std::uint64_t chunk_count(std::uint64_t size, std::uint64_t chunk_size) {
  return chunk_size == 0 ? 0 : (size + chunk_size - 1) / chunk_size;
}

std::string_view to_string(job_status s) {
  switch (s) {
    case job_status::none: return "none";
    case job_status::running: return "running";
    case job_status::stopping: return "migrating";
    case job_status::completed: return "completed";
    case job_status::failed: return "failed";
    case job_status::finalizing: return "finalizing";
  }
  return "?";
}

namespace {

/// A pending throttle change takes over once the copy has reached its offset.
void settle_rate(state& s) {
  if (s.rate_until > 0 && s.offset >= s.rate_until) {
    s.max_rate = s.rate_then;
    s.rate_until = 0;
    s.rate_then = 0;
  }
}

} // namespace

state evolve(state s, const event& e) {
  std::visit(overloaded{
                 [&](const submitted& x) {
                   s.source = x.source;
                   s.destination = x.destination;
                   s.chunk_size = x.chunk_size;
                   s.max_rate = x.max_rate;
                 },
                 [&](const assigned& x) {
                   s.status = job_status::running;
                   s.host = x.host;
                   s.epoch = x.epoch;
                   s.migrate_to.clear();
                   s.stop_sent = false;
                   s.portion_done = false;
                   s.hops.push_back(hop{x.host, x.epoch, x.from});
                 },
                 [&](const started& x) {
                   s.started = true;
                   s.size = x.size;
                   s.mtime_ns = x.mtime_ns;
                 },
                 [&](const progressed& x) {
                   s.offset = x.offset;
                   s.hashes.insert(s.hashes.end(), x.hashes.begin(), x.hashes.end());
                   settle_rate(s);
                 },
                 [&](const migration_requested& x) {
                   s.status = job_status::stopping;
                   s.migrations = x.migration;
                   s.migrate_to = x.to;
                 },
                 [&](const stop_requested&) { s.stop_sent = true; },
                 [&](const portion_completed& x) {
                   s.portion_done = true;
                   s.offset = x.offset;
                   s.host.clear();
                   settle_rate(s);
                 },
                 [&](const completed& x) {
                   s.status = job_status::completed;
                   s.digest = x.digest;
                 },
                 [&](const failed& x) {
                   s.status = job_status::failed;
                   s.failure_code = x.code;
                   s.failure_reason = x.reason;
                 },
                 [&](const throttled& x) {
                   s.max_rate = x.max_rate;
                   s.rate_until = x.until;
                   s.rate_then = x.then;
                   settle_rate(s);
                 },
                 // migrate_to stays: it tells whether a migration waits for the end.
                 [&](const finalizing&) { s.status = job_status::finalizing; },
             },
             e);
  return s;
}

namespace {

using D = decision<event>;

D reject_status(const state& s) {
  if (s.status == job_status::none)
    return D::reject("unknown_job", "no such copy job");
  return D::reject("finished", "the job is already " + std::string(to_string(s.status)));
}

std::optional<rejection> check_location(const location& l, const fleet::view& fleet, std::string_view what) {
  if (auto why = migration::check_relative_path(l.path); !why.empty())
    return rejection{"bad_path", std::string(what) + " path '" + l.path + "': " + why};
  if (!fleet.has_datastore(l.datastore))
    return rejection{"unknown_datastore", std::string(what) + " datastore '" + l.datastore + "' is not mounted by any host"};
  return std::nullopt;
}

/// Where a job goes: ASKED if it qualifies, or with nothing asked the
/// placement policy's choice (never EXCLUDE).
std::variant<std::string, rejection> target_host(const fleet::view& fleet, const std::string& asked,
                                                 const location& source, const location& destination,
                                                 const std::string& exclude = {}) {
  if (!asked.empty()) {
    if (auto why = fleet::check_target(fleet, asked, source.datastore, destination.datastore))
      return *why;
    return asked;
  }
  if (auto chosen = fleet::choose_host(fleet, source.datastore, destination.datastore, exclude))
    return *chosen;
  return rejection{"no_host", "no " + std::string(exclude.empty() ? "" : "other ") + "up host mounts both '" +
                                  source.datastore + "' and '" + destination.datastore + "'"};
}

/// Why RATE (bytes per second, 0 = unthrottled) is not a throttle, if it is not.
std::optional<rejection> check_rate(std::uint64_t rate, std::string_view what) {
  if (rate != 0 && (rate < min_rate || rate > max_rate_limit))
    return rejection{"invalid", std::string(what) + " " + std::to_string(rate) + " B/s is outside [" +
                                    std::to_string(min_rate) + ", " + std::to_string(max_rate_limit) +
                                    "] (0: unthrottled)"};
  return std::nullopt;
}

D reject_finalizing(const state& s, std::string_view what) {
  return D::reject("finalizing", "every byte is copied; " + s.host +
                                     " is verifying and renaming it: " + std::string(what));
}

D decide_submit(const state& s, const submit& c, const fleet::view& fleet) {
  if (s.status != job_status::none)
    return D::reject("already_submitted", "a job with this id exists");
  for (const auto& [l, what] : {std::pair{&c.source, "source"}, std::pair{&c.destination, "destination"}})
    if (auto why = check_location(*l, fleet, what))
      return D::reject(why->code, why->reason);
  if (c.source == c.destination)
    return D::reject("bad_path", "source and destination are the same file");
  if (c.chunk_size < min_chunk_size || c.chunk_size > max_chunk_size)
    return D::reject("invalid", "chunk size " + std::to_string(c.chunk_size) + " is outside [" +
                                    std::to_string(min_chunk_size) + ", " + std::to_string(max_chunk_size) + "]");
  if (auto why = check_rate(c.max_rate, "max rate"))
    return D::reject(why->code, why->reason);
  auto host = target_host(fleet, c.host, c.source, c.destination);
  if (const auto* why = std::get_if<rejection>(&host))
    return D::reject(why->code, why->reason);
  return D::accept({submitted{c.source, c.destination, c.chunk_size, c.max_rate},
                    assigned{std::get<std::string>(host), 1, 0, 0}});
}

/// A job between hosts (its source stopped, the hand-over refused because the
/// target went away and no other host could take it) goes where the operator
/// says now: request 3 to that host, within the migration in progress.
D decide_retarget(const state& s, const migrate& c, const fleet::view& fleet) {
  auto to = target_host(fleet, c.to, s.source, s.destination);
  if (const auto* why = std::get_if<rejection>(&to))
    return D::reject(why->code, why->reason);
  return D::accept(assigned{std::get<std::string>(to), s.epoch + 1, s.resume_offset(), s.migrations});
}

D decide_migrate(const state& s, const migrate& c, const fleet::view& fleet) {
  if (s.status == job_status::stopping && s.portion_done)
    return decide_retarget(s, c, fleet);
  if (s.status == job_status::stopping)
    return D::reject("already_migrating", "the job is already moving from '" + s.host + "' to '" + s.migrate_to + "'");
  if (s.status == job_status::finalizing)
    return reject_finalizing(s, "it ends here, completed or failed");
  if (s.status != job_status::running)
    return reject_status(s);
  if (c.to == s.host)
    return D::reject("same_host", "the job already runs on '" + c.to + "'");
  auto to = target_host(fleet, c.to, s.source, s.destination, s.host);
  if (const auto* why = std::get_if<rejection>(&to))
    return D::reject(why->code, why->reason);
  return D::accept(migration_requested{s.migrations + 1, s.host, std::get<std::string>(to), c.reason});
}

D decide_request_stop(const state& s, const request_stop& c) {
  if (s.status != job_status::stopping || c.migration != s.migrations || s.stop_sent)
    return D::reject("stale", "migration " + std::to_string(c.migration) + " is not waiting to stop its source");
  return D::accept(stop_requested{c.migration, s.host, s.epoch});
}

D decide_hand_over(const state& s, const hand_over& c, const fleet::view& fleet) {
  if (s.status != job_status::stopping || c.migration != s.migrations || !s.portion_done)
    return D::reject("stale", "migration " + std::to_string(c.migration) + " is not waiting for a hand-over");
  // B was checked when selected; if it has gone since, the same policy picks
  // another rather than leave the job with nobody. If none can, the job waits
  // between hosts until an operator's `copy migrate` places it.
  auto to = target_host(fleet, s.migrate_to, s.source, s.destination);
  if (std::holds_alternative<rejection>(to))
    to = target_host(fleet, "", s.source, s.destination);
  if (const auto* why = std::get_if<rejection>(&to))
    return D::reject(why->code, "host '" + s.migrate_to + "' can no longer take the job: " + why->reason +
                                    "; `copy migrate` places it once a host can");
  return D::accept(assigned{std::get<std::string>(to), s.epoch + 1, s.resume_offset(), c.migration});
}

std::uint32_t in_migration(const state& s) { return s.migration_in_progress(); }

/// Reports come from the agent of the host holding the current epoch.
std::optional<rejection> check_reporter(const state& s, std::uint32_t epoch) {
  if (s.status != job_status::running && s.status != job_status::stopping && s.status != job_status::finalizing)
    return rejection{"stale", "the job is " + std::string(to_string(s.status))};
  if (epoch != s.epoch || s.portion_done)
    return rejection{"stale", "epoch " + std::to_string(epoch) + " has been handed over (current " +
                                  std::to_string(s.epoch) + ")"};
  return std::nullopt;
}

/// A report of progress must extend the chunk-hash chain consistently:
/// after it, the hashes cover exactly the whole chunks below OFFSET (all of
/// them once OFFSET reaches the end).
std::optional<rejection> check_progress(const state& s, std::uint64_t offset, const std::vector<chunk_hash>& hashes) {
  if (!s.started)
    return rejection{"not_started", "progress before the source was recorded"};
  if (offset > s.size)
    return rejection{"bad_progress", "offset " + std::to_string(offset) + " beyond the source size " +
                                         std::to_string(s.size)};
  const auto whole = offset == s.size ? chunk_count(s.size, s.chunk_size) : offset / s.chunk_size;
  if (s.hashes.size() + hashes.size() != whole)
    return rejection{"bad_progress", std::to_string(s.hashes.size() + hashes.size()) + " chunk hashes for offset " +
                                         std::to_string(offset) + " (expected " + std::to_string(whole) + ")"};
  return std::nullopt;
}

D decide_started(const state& s, const report_started& c) {
  if (auto why = check_reporter(s, c.epoch))
    return D::reject(why->code, why->reason);
  if (s.started)
    return D::reject("stale", "the source was recorded already");
  return D::accept(started{c.size, c.mtime_ns});
}

D decide_progress(const state& s, const report_progress& c) {
  if (auto why = check_reporter(s, c.epoch))
    return D::reject(why->code, why->reason);
  // A repeat (a resumed run re-reporting chunks an earlier report, decided
  // meanwhile, already covered) is stale, not wrong.
  if (c.offset <= s.offset)
    return D::reject("stale", "offset " + std::to_string(c.offset) + " is not beyond " + std::to_string(s.offset));
  if (auto why = check_progress(s, c.offset, c.hashes))
    return D::reject(why->code, why->reason);
  return D::accept(progressed{c.offset, c.hashes, c.measured_ns});
}

D decide_stopped(const state& s, const report_stopped& c) {
  if (auto why = check_reporter(s, c.epoch))
    return D::reject(why->code, why->reason);
  if (s.status != job_status::stopping || !s.stop_sent)
    return D::reject("stale", "no stop was requested");
  if (c.offset % s.chunk_size != 0 && c.offset != s.size)
    return D::reject("bad_progress", "a portion ends on a chunk boundary or at the end of the source");
  std::vector<event> out;
  std::uint64_t portion = c.offset;
  if (c.offset > s.offset || !c.hashes.empty()) {
    if (auto why = check_progress(s, c.offset, c.hashes))
      return D::reject(why->code, why->reason);
    out.push_back(progressed{c.offset, c.hashes});
  } else {
    // The log is ahead of the reporter: a restarted host whose predecessor's
    // reports were decided after it had read the job. What the log records
    // is copied; the portion is that.
    portion = s.resume_offset();
  }
  out.push_back(portion_completed{s.host, s.epoch, portion, s.migrations});
  return D::accept(std::move(out));
}

std::optional<rejection> check_copied(const state& s, std::string_view what) {
  if (!s.started || s.offset != s.size || s.hashes.size() != chunk_count(s.size, s.chunk_size))
    return rejection{"not_copied", std::string(what) + " reported at offset " + std::to_string(s.offset) + " of " +
                                       std::to_string(s.size)};
  return std::nullopt;
}

/// A stop requested too late (the copy had reached its end) does not keep
/// the job from finalizing: the migration learns the end from completed.
D decide_finalizing(const state& s, const report_finalizing& c) {
  if (auto why = check_reporter(s, c.epoch))
    return D::reject(why->code, why->reason);
  if (s.status == job_status::finalizing)
    return D::reject("stale", "the finalize of epoch " + std::to_string(s.epoch) + " was recorded already");
  if (auto why = check_copied(s, "finalizing"))
    return D::reject(why->code, why->reason);
  return D::accept(finalizing{s.host, s.epoch, c.started_ns});
}

D decide_finished(const state& s, const report_finished& c) {
  if (auto why = check_reporter(s, c.epoch))
    return D::reject(why->code, why->reason);
  if (auto why = check_copied(s, "finished"))
    return D::reject(why->code, why->reason);
  if (c.digest != digest_of(s.hashes))
    return D::reject("digest_mismatch", "the reported digest is not the hash over the recorded chunk hashes");
  return D::accept(completed{c.digest, in_migration(s)});
}

D decide_failed(const state& s, const report_failed& c) {
  if (auto why = check_reporter(s, c.epoch))
    return D::reject(why->code, why->reason);
  return D::accept(failed{c.code, c.reason, in_migration(s)});
}

D decide_throttle(const state& s, const throttle& c) {
  if (s.status == job_status::none || s.finished())
    return reject_status(s);
  if (s.status == job_status::finalizing)
    return reject_finalizing(s, "nothing is left to throttle");
  if (auto why = check_rate(c.max_rate, "max rate"))
    return D::reject(why->code, why->reason);
  if (c.until == 0 && c.then != 0)
    return D::reject("invalid", "a rate from an offset on needs that offset (until)");
  if (c.until > 0) {
    if (auto why = check_rate(c.then, "then rate"))
      return D::reject(why->code, why->reason);
    if (s.started && c.until >= s.size)
      return D::reject("invalid", "offset " + std::to_string(c.until) + " is not below the source size " +
                                      std::to_string(s.size));
    // The copy is past it: the change would apply at once, not where asked.
    if (c.until <= s.offset)
      return D::reject("stale", "the copy has reached " + std::to_string(s.offset) + " bytes, past " +
                                    std::to_string(c.until));
  }
  if (c.max_rate == s.max_rate && c.until == s.rate_until && c.then == s.rate_then)
    return D::reject("no_change", "the job is throttled so already");
  return D::accept(throttled{c.max_rate, c.until, c.then});
}

} // namespace

decision<event> decide(const state& s, const command& c, const fleet::view& fleet) {
  return std::visit(overloaded{
                        [&](const submit& x) { return decide_submit(s, x, fleet); },
                        [&](const migrate& x) { return decide_migrate(s, x, fleet); },
                        [&](const request_stop& x) { return decide_request_stop(s, x); },
                        [&](const hand_over& x) { return decide_hand_over(s, x, fleet); },
                        [&](const report_started& x) { return decide_started(s, x); },
                        [&](const report_progress& x) { return decide_progress(s, x); },
                        [&](const report_stopped& x) { return decide_stopped(s, x); },
                        [&](const report_finished& x) { return decide_finished(s, x); },
                        [&](const report_failed& x) { return decide_failed(s, x); },
                        [&](const throttle& x) { return decide_throttle(s, x); },
                        [&](const report_finalizing& x) { return decide_finalizing(s, x); },
                    },
                    c);
}

} // namespace storemesh::services::copy_job
