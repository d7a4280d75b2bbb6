#include "actors/copy_agent.hpp"
#include "services/migration/agent_reconcile.hpp"
#include "actors/thread_name.hpp"

#include "actors/topic_follower.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "services/host/host_codec.hpp"
#include "services/migration/copy_job_codec.hpp"
#include "services/migration/engine/copy_engine.hpp"
#include "services/migration/engine/datastore_path.hpp"
#include "services/migration/engine/engine_errc.hpp"

#include <spdlog/spdlog.h>

namespace storemesh::actors {

namespace job = services::copy_job;
namespace engine = services::migration;

/// Why a run stops before its end.
enum class halt : int { none, hand_over, abandon };

struct copy_agent::run {
  std::string host;
  std::uint32_t epoch = 0;
  std::atomic<std::uint64_t> bytes{0};   ///< copied by this run so far, piece by piece (the load meter reads it)
  std::atomic<std::uint64_t> cpu_ns{0};  ///< CPU time of its copy threads so far
  std::atomic<bool> stop{false};
  std::atomic<int> why{static_cast<int>(halt::none)};
  std::atomic<bool> done{false};
  /// The job's throttle, set again whenever the job's events change it.
  engine::rate_control rate;
  std::thread thread;

  void halt_for(halt h) {
    why = static_cast<int>(h);
    stop = true;
    // Moved on without us: do not wait for a throttled chunk to end. A
    // hand-over, though, finishes the chunk in flight (raise the rate of a
    // held copy to let it).
    if (h == halt::abandon)
      rate.cancel();
  }
};

namespace {

/// The throttle a job's state asks for.
engine::rate_plan rate_plan_of(const job::state& s) { return {s.max_rate, s.rate_until, s.rate_then}; }

std::int64_t wall_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// The code a failure is recorded under: the engine's condition name; a file
/// not found is the source only while the source is being opened.
std::string failure_code(const error& e, bool opening_source) {
  if (e.code.category() != engine::engine_category())
    return "io_error";
  switch (static_cast<engine::engine_errc>(e.code.value())) {
    case engine::engine_errc::bad_path: return "bad_path";
    case engine::engine_errc::path_escapes_datastore: return "path_escapes_datastore";
    case engine::engine_errc::not_found: return opening_source ? "source_missing" : "destination_missing";
    case engine::engine_errc::source_unreadable: return "source_unreadable";
    case engine::engine_errc::source_changed: return "source_changed";
    case engine::engine_errc::disk_full: return "disk_full";
    case engine::engine_errc::io_error: return "io_error";
    case engine::engine_errc::verification_failed: return "verification_failed";
    case engine::engine_errc::stopped: return "stopped";
  }
  return "io_error";
}

/// Where a job's files are on HOST: the datastore roots it mounts.
/// at_source stays true while a failure concerns the source.
result<engine::copy_spec> resolve_spec(const services::fleet::view& fleet, const std::string& host,
                                       const std::string& job_id, const job::state& s, bool& at_source) {
  auto h = fleet.hosts.find(host);
  auto root = [&](const std::string& ds) -> result<std::filesystem::path> {
    if (h == fleet.hosts.end() || h->second.datastores.count(ds) == 0)
      return make_error(engine::engine_errc::not_found, "host " + host + " does not mount datastore " + ds);
    return std::filesystem::path(h->second.datastores.at(ds));
  };
  engine::copy_spec spec;
  SM_TRY(auto src_root, root(s.source.datastore));
  SM_TRY(spec.source, engine::resolve_in_datastore(src_root, s.source.path, true));
  at_source = false;
  SM_TRY(auto dst_root, root(s.destination.datastore));
  SM_TRY(spec.destination, engine::resolve_in_datastore(dst_root, s.destination.path, false));
  // Beside the destination, so the final rename is atomic; named after the job
  // so that host B finds host A's temp file.
  spec.temp = spec.destination;
  spec.temp += ".storemesh-" + job_id + ".part";
  spec.chunk_size = s.chunk_size;
  spec.max_rate = s.max_rate;
  return spec;
}

} // namespace

copy_agent::copy_agent(runtime_context& ctx, command_sink& sink, std::set<std::string> hosts,
                       std::function<bool()> ready)
    : ctx_(ctx), sink_(sink), hosts_(std::move(hosts)), ready_(std::move(ready)) {}

copy_agent::~copy_agent() { stop(); }

void copy_agent::start() { thread_ = std::thread([this] {
    name_this_thread("sm.agent");
    follow();
  }); }

void copy_agent::stop() {
  stopping_ = true;
  if (thread_.joinable())
    thread_.join();
}

void copy_agent::follow() {
  auto follower = topic_follower::open(*ctx_.log, {ctx_.names.events(job::entity::kind)},
                                       [](const std::string&, partition_id) { return offset{0}; });
  if (!follower) {
    spdlog::critical("copy agent: cannot follow copy jobs: {}", follower.error().message());
    if (ctx_.fatal)
      ctx_.fatal->store(true);
    return;
  }
  bool caught_up = false;
  std::set<std::string> changed;
  while (!stopping_) {
    auto n = follower.value().poll([&](const std::string&, partition_id, const events::record_view& r) {
      auto env = events::envelope::decoded_envelope::decode(r.value);
      if (!env || env.value().entity_kind() != job::entity::kind)
        return;
      auto e = job::entity::read_event(env.value().reader());
      if (!e)
        return;
      const std::string id(env.value().entity_id());
      jobs_[id] = job::evolve(std::move(jobs_[id]), e.value());
      changed.insert(id);
    });
    if (!n && events::passes_by_itself(n.error().code)) {
      spdlog::warn("copy agent: {}; trying again", n.error().message());
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    if (!n) {
      spdlog::critical("copy agent: {}", n.error().message());
      if (ctx_.fatal)
        ctx_.fatal->store(true);
      break;
    }
    // History first: acting on a half-read job would start copies that its
    // later events have already finished or moved.
    if (n.value() == 0 && (!ready_ || ready_()))
      caught_up = true;
    if (caught_up) {
      for (const auto& id : changed)
        reconcile(id, jobs_[id]);
      changed.clear();
    }
    reap();
    if (caught_up)
      report_loads();
    if (n.value() == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& [id, r] : runs_)
    r->halt_for(halt::abandon);
  for (auto& [id, r] : runs_)
    r->thread.join();
  runs_.clear();
}

void copy_agent::reap() {
  for (auto it = runs_.begin(); it != runs_.end();) {
    if (it->second->done) {
      it->second->thread.join();
      const auto job_id = it->first;
      // Its last bytes and CPU count in its gateway's next report.
      if (auto m = meters_.find(it->second->host); m != meters_.end())
        m->second.meter.observe(job_id, it->second->bytes, it->second->cpu_ns);
      it = runs_.erase(it);
      // A run that ended for a reason the state already shows (a stop for a
      // hand-over whose request came in while it ran) may have more to do.
      if (auto j = jobs_.find(job_id); j != jobs_.end())
        reconcile(job_id, j->second);
    } else {
      ++it;
    }
  }
}

void copy_agent::reconcile(const std::string& id, const job::state& s) {
  auto running = runs_.find(id);
  job::agent_here here;
  here.serves = !s.host.empty() && serves(s.host);
  if (running != runs_.end())
    here.run_epoch = running->second->epoch;
  if (auto r = reported_.find(id); r != reported_.end())
    here.reported_epoch = r->second;
  switch (job::reconcile(s, here)) {
    case job::agent_action::none: return;
    case job::agent_action::abandon: running->second->halt_for(halt::abandon); return;
    case job::agent_action::retune: running->second->rate.set(rate_plan_of(s)); return;  // same plan: no-op
    case job::agent_action::hand_over:
      running->second->rate.set(rate_plan_of(s));
      running->second->halt_for(halt::hand_over);
      return;
    case job::agent_action::report_stopped:
      // Request 2 arrived while nothing ran here (a restart): the portion done
      // is what the recorded chunks cover.
      reported_[id] = s.epoch;
      sink_.send(services::issue<job::entity>(id, job::report_stopped{s.epoch, s.resume_offset(), {}}));
      return;
    case job::agent_action::start_run: start_run(id, s); return;
  }
}

void copy_agent::start_run(const std::string& id, const job::state& s) {
  auto r = std::make_unique<run>();
  r->host = s.host;
  r->epoch = s.epoch;
  r->rate.set(rate_plan_of(s));
  const auto now = wall_clock_ns();
  meters_.try_emplace(s.host, now, now + 1'000'000'000);
  auto* self = r.get();
  auto fleet = ctx_.fleet != nullptr ? ctx_.fleet->view() : std::make_shared<const services::fleet::view>();
  reported_[id] = s.epoch;  // every run ends in exactly one report (or is abandoned)
  r->thread = std::thread([this, self, id, s, fleet] {
    name_this_thread("sm.copy");
    auto send = [&](job::command c) { sink_.send(services::issue<job::entity>(id, std::move(c))); };
    bool opening_source = true;
    auto fail = [&](const error& e, const engine::copy_spec* spec) {
      if (spec != nullptr)
        engine::discard(*spec);
      spdlog::warn("copy {} on {}: failed: {}", id, s.host, e.message());
      send(job::report_failed{s.epoch, failure_code(e, opening_source), e.message()});
    };
    auto body = [&]() {
      auto spec = resolve_spec(*fleet, s.host, id, s, opening_source);
      if (!spec)
        return fail(spec.error(), nullptr);
      opening_source = true;
      auto current = engine::stat_source(spec.value().source);
      if (!current)
        return fail(current.error(), &spec.value());
      if (!s.started) {
        spec.value().expect = current.value();
        send(job::report_started{s.epoch, current.value().size, current.value().mtime_ns});
      } else {
        spec.value().expect = engine::source_identity{s.size, s.mtime_ns};
        if (current.value() != spec.value().expect)
          return fail(make_error(engine::engine_errc::source_changed,
                                 "the source changed since the job started (size or modification time)"),
                      &spec.value());
      }
      opening_source = false;
      spec.value().cpu_ns = &self->cpu_ns;
      spec.value().bytes_copied = &self->bytes;
      spec.value().rate = &self->rate;
      auto hashes = s.hashes;
      const auto from = s.resume_offset();
      engine::run_outcome ran_to{from, true, 0};
      // Every chunk recorded: only the finalize is left (a daemon killed during
      // it, perhaps after the rename; finalize is idempotent). Copying "the
      // rest" would create an empty temp and make finalize redo everything.
      if (!(s.started && from == s.size)) {
        spdlog::info("copy {} on {}: from offset {} (epoch {})", id, s.host, from, s.epoch);
        auto ran = engine::copy_range(spec.value(), from, self->stop, [&](const engine::progress& p) {
          hashes.insert(hashes.end(), p.new_hashes.begin(), p.new_hashes.end());
          send(job::report_progress{s.epoch, p.offset, p.new_hashes, wall_clock_ns()});
        });
        if (!ran && static_cast<halt>(self->why.load()) == halt::abandon)
          return;  // cancelled mid-chunk; the temp is the next host's to continue
        if (!ran)
          return fail(ran.error(), &spec.value());
        ran_to = ran.value();
      }
      const auto why = static_cast<halt>(self->why.load());
      if (why == halt::abandon)
        return;
      if (why == halt::hand_over) {
        send(job::report_stopped{s.epoch, ran_to.offset, {}});
        return;
      }
      if (!ran_to.reached_end)
        return;
      // The finalize (seconds for a large file: fdatasync, read-back) is a
      // state of its own; a restart that finds it recorded does not repeat it.
      if (s.status != job::job_status::finalizing)
        send(job::report_finalizing{s.epoch, wall_clock_ns()});
      auto digest = engine::finalize(spec.value(), hashes);
      if (!digest)
        return fail(digest.error(), &spec.value());
      spdlog::info("copy {} on {}: verified, digest {}", id, s.host, engine::to_hex(digest.value()));
      send(job::report_finished{s.epoch, digest.value()});
    };
    body();
    self->done = true;
  });
  runs_[id] = std::move(r);
}

std::uint32_t copy_agent::queue_depth(const std::string& host) const {
  std::uint32_t n = 0;
  for (const auto& [id, s] : jobs_)
    n += s.host == host && !s.finished() ? 1 : 0;
  return n;
}

void copy_agent::report_loads() {
  // Often enough for any report interval (at least 0.1 s); rarely enough
  // that the fleet view's snapshot is not copied on every turn of the loop.
  const auto now_steady = std::chrono::steady_clock::now();
  if (ctx_.fleet == nullptr || now_steady < next_load_check_)
    return;
  next_load_check_ = now_steady + std::chrono::milliseconds(50);
  const auto fleet = ctx_.fleet->view();
  const auto now = wall_clock_ns();
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::vector<services::issued_command> reports;
  for (const auto& [id, h] : fleet->hosts) {
    if (h.site == services::host::site::none || !serves(id))
      continue;
    const auto& config = fleet->settings_for(std::string(services::host::to_string(h.site)));
    auto& g = meters_.try_emplace(id, now, now).first->second;
    if (now < g.due_ns)
      continue;
    g.due_ns = now + config.report_interval_ns;
    for (const auto& [job_id, r] : runs_)
      if (r->host == id)
        g.meter.observe(job_id, r->bytes, r->cpu_ns);
    const auto queue = queue_depth(id);
    auto report = g.meter.report(now, queue, cores);
    const bool idle = report.bytes_per_second == 0 && queue == 0;
    if (idle && g.idle_sent && now - g.sent_ns < config.stale_after_ns / 2)
      continue;
    g.idle_sent = idle;
    g.sent_ns = now;
    reports.push_back(services::issue<services::host::entity>(id, services::host::report_load{std::move(report)}));
  }
  sink_.send_all(std::move(reports));  // every host's report of this tick under one signature
}

} // namespace storemesh::actors
