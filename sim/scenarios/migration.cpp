#include "sim/scenarios/migration_scenario.hpp"

#include "services/host/host_codec.hpp"
#include "services/migration/copy_job_codec.hpp"
#include "services/migration/engine/chunk_hash.hpp"
#include "services/migration/engine/chunk_plan.hpp"
#include "services/migration/migration_codec.hpp"
#include "sim/scenarios/scenarios.hpp"

namespace storemesh::sim {

namespace job = services::copy_job;
namespace host = services::host;
namespace engine = services::migration;
using services::issue;

namespace {

constexpr std::uint64_t chunk = job::min_chunk_size;  // 4 KiB: the smallest the decider takes
constexpr std::uint64_t resend_steps = 40;
/// Every id and datastore of this scenario starts so: in the mixed run other
/// scenarios' hosts and jobs share the log, and neither places nor checks them.
constexpr std::string_view ids = "mig-";
const std::string source_ds = std::string(ids) + "src";
const std::string destination_ds = std::string(ids) + "dst";

std::string prefix(const std::string& id) { return "job " + id + ": "; }

std::vector<job::chunk_hash> chunk_hashes(const bytes& b, std::uint64_t chunk_size) {
  const engine::engine_detail::chunk_plan plan{b.size(), chunk_size};
  std::vector<job::chunk_hash> out;
  for (std::uint64_t i = 0; i < plan.count(); ++i)
    out.push_back(engine::sha256(b.data() + plan.offset(i), plan.length(i)));
  return out;
}

} // namespace

void migration_scenario::setup(step_context& ctx, std::vector<services::issued_command>& out) {
  const auto n = ctx.random.between(3, 6);
  for (std::int64_t i = 1; i <= n; ++i) {
    hosts_.push_back(std::string(ids) + "h" + std::to_string(i));
    std::vector<host::datastore> ds{{source_ds, "/mnt/src"}, {destination_ds, "/mnt/dst"}};
    // One host cannot reach the destination: moves there must be refused.
    if (i == 4)
      ds = {{source_ds, "/mnt/src"}, {std::string(ids) + "scratch", "/mnt/scratch"}};
    out.push_back(issue<host::entity>(hosts_.back(), host::register_host{ds, host::site::none}));
  }
  const auto jobs = ctx.random.between(3, 5);
  for (std::int64_t i = 1; i <= jobs; ++i) {
    planned_job j;
    j.id = std::string(ids) + "j" + std::to_string(i);
    j.source = {source_ds, "f" + std::to_string(i)};
    j.destination = {destination_ds, "copy/f" + std::to_string(i)};
    j.chunk_size = chunk * static_cast<std::uint64_t>(ctx.random.between(1, 2));
    // Empty: the placement policy picks.
    j.host = ctx.random.chance(500) ? ctx.random.pick(hosts_) : std::string();
    j.due_step = static_cast<std::uint64_t>(ctx.random.between(0, 40));
    bytes content(static_cast<std::size_t>(ctx.random.between(1, 4 * chunk)));
    fill(content, ctx.random);
    disk_.put(disk_name(j.source), std::move(content), 1'000'000'000 + i);
    jobs_.push_back(std::move(j));
  }
  agents_.emplace(hosts_, disk_, options_);
}

void migration_scenario::step(step_context& ctx, std::vector<services::issued_command>& out) {
  if (agents_)
    agents_->step(ctx, out);
  operate(ctx, out);
  if (ctx.random.chance(10))
    hostile(ctx, out);
}

void migration_scenario::operate(step_context& ctx, std::vector<services::issued_command>& out) {
  for (auto& j : jobs_) {
    if (j.due_step > ctx.step || (agents_->job(j.id) != nullptr && agents_->job(j.id)->status != job::job_status::none))
      continue;
    // Not in the log yet: the first submit, or again (lost on the way).
    if (j.sent && ctx.step < j.sent_step + (resend_steps << std::min<std::uint64_t>(j.resends, 4)))
      continue;
    j.resends += j.sent ? 1 : 0;
    // Refused (a host that cannot take it) or lost: the policy picks this time.
    if (j.sent)
      j.host.clear();
    j.sent = true;
    j.sent_step = ctx.step;
    out.push_back(issue<job::entity>(j.id, job::submit{j.source, j.destination, j.host, j.chunk_size, 0}));
  }
  if (ctx.random.chance(30)) {
    // Move a job mid-flight: to a host, or wherever the policy says.
    const auto& j = ctx.random.pick(jobs_);
    const auto* s = agents_->job(j.id);
    if (s != nullptr && !s->finished() && s->status != job::job_status::none) {
      auto to = ctx.random.chance(700) ? ctx.random.pick(hosts_) : std::string();
      out.push_back(issue<job::entity>(j.id, job::migrate{to, "operator"}));
    }
  }
  if (ctx.random.chance(5)) {
    // A throttle, for the rest of the copy or up to an offset.
    const auto& j = ctx.random.pick(jobs_);
    const auto rate = [&] { return ctx.random.chance(300) ? 0 : static_cast<std::uint64_t>(ctx.random.between(1024, 1 << 20)); };
    job::throttle t{rate(), 0, 0};
    if (ctx.random.chance(500)) {
      t.until = static_cast<std::uint64_t>(ctx.random.between(1, 10)) * j.chunk_size / 2;
      t.then = rate();
    }
    out.push_back(issue<job::entity>(j.id, t));
  }
  if (ctx.random.chance(8)) {
    // Drain (its jobs move away), take down, or bring back a host.
    const auto& h = ctx.random.pick(hosts_);
    const auto to = ctx.random.chance(500) ? host::host_state::up
                    : ctx.random.chance(600) ? host::host_state::draining
                                             : host::host_state::down;
    out.push_back(issue<host::entity>(h, host::set_state{to, "operator"}));
  }
}

void migration_scenario::hostile(step_context& ctx, std::vector<services::issued_command>& out) {
  const auto& j = ctx.random.pick(jobs_);
  const auto* s = agents_->job(j.id);
  const std::uint32_t epoch = s != nullptr ? s->epoch : 1;
  switch (ctx.random.below(7)) {
    case 0:  // a report from an epoch long handed over (a zombie host)
      out.push_back(issue<job::entity>(j.id, job::report_progress{epoch == 0 ? 0 : epoch - 1, j.chunk_size, {}, ctx.now_ns}));
      break;
    case 1:  // a finish with a made-up digest
      out.push_back(issue<job::entity>(j.id, job::report_finished{epoch, job::chunk_hash{}}));
      break;
    case 2:  // a hand-over no migration asked for
      out.push_back(issue<job::entity>(j.id, job::hand_over{epoch + 40}));
      break;
    case 3:  // a job nobody submitted
      out.push_back(issue<job::entity>(std::string(ids) + "ghost", job::migrate{"", "operator"}));
      break;
    case 4:  // a chunk size the decider must refuse
      out.push_back(issue<job::entity>(j.id + "x", job::submit{j.source, j.destination, "", 100, 0}));
      break;
    case 5:  // progress that skips a chunk's hash
      out.push_back(issue<job::entity>(j.id, job::report_progress{epoch, 3 * j.chunk_size, {}, ctx.now_ns}));
      break;
    default:  // a host that does not exist
      out.push_back(issue<job::entity>(j.id, job::migrate{std::string(ids) + "h99", "operator"}));
      break;
  }
}

std::optional<std::string> migration_scenario::check(const log_view& log) {
  const auto& jobs_topic = log.events_topic(job::entity::kind);
  const auto& migrations_topic = log.events_topic(engine::entity::kind);
  for (; checked_ < log.size(); ++checked_) {
    const auto& r = log.at(checked_);
    if (!r.env)
      continue;
    const std::string id(r.env->entity_id());
    if (id.compare(0, ids.size(), ids) != 0)
      continue;  // another scenario's
    if (r.topic == jobs_topic && r.env->entity_kind() == job::entity::kind) {
      auto e = job::entity::read_event(r.env->reader());
      if (!e)
        return prefix(id) + "an event that does not decode: " + e.error().message();
      if (auto v = check_job(id, e.value()))
        return v;
    } else if (r.topic == migrations_topic && r.env->entity_kind() == engine::entity::kind) {
      auto e = engine::entity::read_event(r.env->reader());
      if (!e)
        return "migration " + id + ": an event that does not decode: " + e.error().message();
      if (const auto* p = std::get_if<engine::portion_received>(&e.value()))
        if (auto v = check_portion(id, p->offset))
          return v;
    }
  }
  return check_writes();
}

std::optional<std::string> migration_scenario::check_job(const std::string& id, const job::event& e) {
  auto& t = tracked_[id];
  if (!t.submitted && !std::holds_alternative<job::submitted>(e))
    return prefix(id) + "an event before it was submitted";
  if (t.ended)
    return prefix(id) + "an event after it ended";
  return std::visit(
      services::overloaded{
          [&](const job::submitted& x) -> std::optional<std::string> {
            if (t.submitted)
              return prefix(id) + "submitted twice";
            t.submitted = true;
            t.source = x.source;
            t.destination = x.destination;
            t.chunk_size = x.chunk_size;
            auto src = disk_.durable(disk_name(x.source));
            if (!src)
              return prefix(id) + "its source " + disk_name(x.source) + " is not on the disk";
            t.expected = chunk_hashes(*src, x.chunk_size);
            t.source_size = src->size();
            return std::nullopt;
          },
          [&](const job::assigned& x) -> std::optional<std::string> {
            if (x.epoch != t.epoch + 1)
              return prefix(id) + "epoch " + std::to_string(x.epoch) + " follows " + std::to_string(t.epoch);
            if (t.epoch > 0 && !t.between)
              return prefix(id) + "assigned to " + x.host + " while " + t.host + " still holds it (epoch " +
                     std::to_string(t.epoch) + " never completed its portion)";
            const auto from = t.epoch == 0 ? 0 : t.portion;
            if (x.from != from)
              return prefix(id) + "epoch " + std::to_string(x.epoch) + " on " + x.host + " starts at " +
                     std::to_string(x.from) + ", not at the portion handed over (" + std::to_string(from) + ")";
            t.epoch = x.epoch;
            t.host = x.host;
            t.between = false;
            t.durable = {x.from};
            return std::nullopt;
          },
          [&](const job::started& x) -> std::optional<std::string> {
            if (t.started)
              return prefix(id) + "started twice";
            if (x.size != t.source_size)
              return prefix(id) + "started with size " + std::to_string(x.size) + ", not the source's";
            t.started = true;
            t.size = x.size;
            return std::nullopt;
          },
          [&](const job::progressed& x) -> std::optional<std::string> {
            if (t.between || t.epoch == 0)
              return prefix(id) + "progress recorded while no host holds it";
            if (!t.started)
              return prefix(id) + "progress before it started";
            if (x.offset <= t.offset || x.offset > t.size)
              return prefix(id) + "progress to " + std::to_string(x.offset) + " from " + std::to_string(t.offset);
            for (const auto& h : x.hashes) {
              if (t.chunks >= t.expected.size() || h != t.expected[t.chunks])
                return prefix(id) + "chunk " + std::to_string(t.chunks) + " recorded with a hash not the source's";
              ++t.chunks;
            }
            const auto whole = x.offset == t.size ? t.expected.size() : x.offset / t.chunk_size;
            if (t.chunks != whole)
              return prefix(id) + std::to_string(t.chunks) + " chunks recorded at offset " + std::to_string(x.offset);
            t.offset = x.offset;
            // An offset inside a chunk shows progress; only a chunk's end is
            // a point a copy resumes from.
            if (x.offset % t.chunk_size == 0 || x.offset == t.size)
              t.durable.insert(x.offset);
            return std::nullopt;
          },
          [&](const job::migration_requested&) -> std::optional<std::string> { return std::nullopt; },
          [&](const job::stop_requested&) -> std::optional<std::string> { return std::nullopt; },
          [&](const job::portion_completed& x) -> std::optional<std::string> {
            if (t.between || x.host != t.host || x.epoch != t.epoch)
              return prefix(id) + "a portion completed by " + x.host + " epoch " + std::to_string(x.epoch) +
                     ", which does not hold it";
            if (t.durable.count(x.offset) == 0)
              return prefix(id) + "hand-off at " + std::to_string(x.offset) + ", an offset " + x.host +
                     " never reported durable";
            t.between = true;
            t.portion = x.offset;
            t.offset = x.offset;
            t.portions[x.migration] = x.offset;
            return std::nullopt;
          },
          [&](const job::completed& x) -> std::optional<std::string> {
            t.ended = true;
            if (!t.started || t.offset != t.size || t.chunks != t.expected.size())
              return prefix(id) + "completed with " + std::to_string(t.chunks) + " of " +
                     std::to_string(t.expected.size()) + " chunks recorded";
            if (x.digest != engine::job_digest(t.expected))
              return prefix(id) + "completed with a digest that is not SHA-256 over the source's chunk hashes";
            if (disk_.durable(disk_name(t.destination)) != disk_.durable(disk_name(t.source)))
              return prefix(id) + "completed, but " + disk_name(t.destination) + " is not byte-identical to " +
                     disk_name(t.source);
            return std::nullopt;
          },
          [&](const job::failed& x) -> std::optional<std::string> {
            t.ended = true;
            if (x.code.empty() || x.reason.empty())
              return prefix(id) + "failed without a code and a reason";
            return std::nullopt;
          },
          [&](const job::throttled&) -> std::optional<std::string> { return std::nullopt; },
          [&](const job::finalizing& x) -> std::optional<std::string> {
            if (t.between || x.host != t.host || x.epoch != t.epoch)
              return prefix(id) + "finalizing on " + x.host + ", which does not hold it";
            if (t.chunks != t.expected.size() || t.offset != t.size)
              return prefix(id) + "finalizing with chunks missing";
            return std::nullopt;
          },
      },
      e);
}

std::optional<std::string> migration_scenario::check_portion(const std::string& migration, std::uint64_t offset) {
  auto parsed = engine::parse_migration_id(migration);
  if (!parsed)
    return "migration " + migration + ": not a migration id";
  const auto& t = tracked_[parsed->first];
  auto p = t.portions.find(parsed->second);
  if (p == t.portions.end() || p->second != offset)
    return "migration " + migration + ": received a portion up to " + std::to_string(offset) +
           ", which its job never completed";
  return std::nullopt;
}

std::optional<std::string> migration_scenario::check_writes() {
  const auto& writes = disk_.durable_writes();
  for (; writes_checked_ < writes.size(); ++writes_checked_) {
    const auto& w = writes[writes_checked_];
    auto [it, fresh] = ranges_.try_emplace({w.file, w.offset, w.size}, w.hash, w.host);
    if (!fresh && it->second.first != w.hash)
      return "disk: bytes [" + std::to_string(w.offset) + ", " + std::to_string(w.offset + w.size) + ") of " + w.file +
             " written by " + it->second.second + " and by " + w.host + " differ";
  }
  return std::nullopt;
}

std::unique_ptr<scenario> make_migration_scenario() { return std::make_unique<migration_scenario>(); }

} // namespace storemesh::sim
