#include "sim/scenarios/sim_copy_agent.hpp"

#include "services/migration/agent_reconcile.hpp"
#include "services/migration/copy_job_codec.hpp"
#include "services/migration/engine/chunk_hash.hpp"
#include "services/migration/engine/chunk_plan.hpp"

namespace storemesh::sim {

namespace job = services::copy_job;
namespace engine = services::migration;
using engine::engine_detail::chunk_plan;

std::string disk_name(const job::location& l) { return l.datastore + "/" + l.path; }

std::string temp_name(const job::location& destination, const std::string& id) {
  return disk_name(destination) + ".storemesh-" + id + ".part";
}

namespace {

std::uint64_t offset_key(job::command const& c) {
  if (const auto* p = std::get_if<job::report_progress>(&c))
    return p->offset;
  if (const auto* p = std::get_if<job::report_stopped>(&c))
    return p->offset;
  return 0;
}

std::vector<job::chunk_hash> beyond(const std::vector<job::chunk_hash>& mine, std::size_t recorded) {
  return recorded >= mine.size() ? std::vector<job::chunk_hash>{}
                                 : std::vector<job::chunk_hash>(mine.begin() + static_cast<std::ptrdiff_t>(recorded),
                                                                mine.end());
}

} // namespace

sim_copy_agent::sim_copy_agent(std::vector<std::string> hosts, sim_disk& disk, options o) : disk_(disk), opt_(o) {
  for (auto& h : hosts)
    agents_.push_back(agent{std::move(h), 0, {}, {}});
}

void sim_copy_agent::follow(agent& a, const log_view& log) {
  const auto& topic = log.events_topic(job::entity::kind);
  for (; a.cursor < log.size(); ++a.cursor) {
    const auto& r = log.at(a.cursor);
    if (r.topic != topic || !r.env || r.env->entity_kind() != job::entity::kind)
      continue;
    auto e = job::entity::read_event(r.env->reader());
    if (!e)
      continue;
    const std::string id(r.env->entity_id());
    a.jobs[id] = job::evolve(std::move(a.jobs[id]), e.value());
  }
}

std::vector<std::string> sim_copy_agent::held(const std::string& host) const {
  std::vector<std::string> out;
  for (const auto& a : agents_)
    if (a.host == host)
      for (const auto& [id, s] : a.jobs)
        if (s.host == host && !s.finished())
          out.push_back(id);
  return out;
}

const job::state* sim_copy_agent::job(const std::string& id) const {
  const job::state* best = nullptr;
  std::size_t seen = 0;
  for (const auto& a : agents_)
    if (auto it = a.jobs.find(id); it != a.jobs.end() && a.cursor >= seen) {
      best = &it->second;
      seen = a.cursor;
    }
  return best;
}

void sim_copy_agent::step(step_context& ctx, std::vector<services::issued_command>& out) {
  for (auto& a : agents_) {
    if (ctx.random.chance(opt_.crash_per_mille)) {
      // Memory gone, unsynced writes gone (or torn); back from the log.
      disk_.crash(a.host, ctx.faults.torn_write, ctx.random);
      a.cursor = 0;
      a.jobs.clear();
      a.runs.clear();
    }
    if (ctx.random.chance(opt_.writeback_per_mille))
      disk_.flush(a.host);  // the kernel's writeback of dirty pages
    if (!ctx.random.chance(opt_.lag_per_mille))
      follow(a, ctx.log);
    // Runs first: one the table abandons (moved on without us, or a new
    // epoch) is gone before the job is reconciled again, which may start a
    // fresh one, as the real agent does once the abandoned run is reaped.
    for (auto it = a.runs.begin(); it != a.runs.end();) {
      auto j = a.jobs.find(it->first);
      const bool abandon =
          j == a.jobs.end() || job::reconcile(j->second, here(a, it->first, j->second)) == job::agent_action::abandon;
      it = abandon ? a.runs.erase(it) : std::next(it);
    }
    for (const auto& [id, s] : a.jobs)
      if (const auto action = job::reconcile(s, here(a, id, s)); action != job::agent_action::none)
        act(a, id, s, action, ctx, out);
  }
}

job::agent_here sim_copy_agent::here(const agent& a, const std::string& id, const job::state& s) {
  job::agent_here h;
  h.serves = s.host == a.host;
  if (auto r = a.runs.find(id); r != a.runs.end())
    h.run_epoch = r->second.epoch;
  // No reported_epoch: a report this agent has not seen decided may have
  // been lost, so it is sent again (report() spaces the repeats).
  return h;
}

void sim_copy_agent::report(const std::string& id, run& r, sent what, job::command c, step_context& ctx,
                            std::vector<services::issued_command>& out) {
  const auto off = offset_key(c);
  const bool again = r.last == what && r.last_offset == off;
  // The same report again only after a while, twice as long each time: the
  // fabric may take tens of steps to decide one, and an early repeat only
  // comes back refused as stale.
  if (again && ctx.step < r.sent_step + (std::uint64_t{opt_.resend_steps} << std::min(r.resends, 4u)))
    return;
  r.resends = again ? r.resends + 1 : 0;
  r.last = what;
  r.last_offset = off;
  r.sent_step = ctx.step;
  out.push_back(services::issue<job::entity>(id, std::move(c)));
}

void sim_copy_agent::act(agent& a, const std::string& id, const job::state& s, job::agent_action action,
                         step_context& ctx, std::vector<services::issued_command>& out) {
  auto it = a.runs.find(id);
  if (it == a.runs.end() || it->second.epoch != s.epoch || it->second.hashes.size() < s.hashes.size()) {
    run fresh;
    fresh.epoch = s.epoch;
    fresh.next = s.started ? s.resume_offset() : 0;
    fresh.hashes = s.hashes;
    it = a.runs.insert_or_assign(id, std::move(fresh)).first;
  }
  run& r = it->second;
  if (!r.fail_code.empty())
    return report(id, r, sent::failed, job::report_failed{s.epoch, r.fail_code, r.fail_reason}, ctx, out);
  const auto source = disk_name(s.source);
  if (!s.started) {
    auto src = disk_.durable(source);
    if (!src) {
      r.fail_code = "source_missing";
      r.fail_reason = "open " + source + ": No such file or directory";
      return;
    }
    return report(id, r, sent::started, job::report_started{s.epoch, src->size(), disk_.mtime_ns(source)}, ctx, out);
  }
  const chunk_plan plan{s.size, s.chunk_size};
  if (action == job::agent_action::hand_over || action == job::agent_action::report_stopped) {
    // Request 2: the chunk in flight is dropped; the run's file is closed,
    // which on a datastore shared by hosts writes its pages back, so host B
    // reads what A copied.
    r.piece = 0;
    r.steps_left = 0;
    disk_.flush(a.host);
    auto c = r.next > s.offset ? job::report_stopped{s.epoch, r.next, beyond(r.hashes, s.hashes.size())}
                               : job::report_stopped{s.epoch, s.resume_offset(), {}};
    return report(id, r, sent::stopped, std::move(c), ctx, out);
  }
  // At most lead_chunks ahead of the log, as the engine's runner bounds what is in flight.
  if (r.next < s.size && r.next < s.resume_offset() + opt_.lead_chunks * s.chunk_size &&
      ctx.random.chance(opt_.copy_per_mille)) {
    copy_chunk(a, id, s, r, ctx);
    if (!r.fail_code.empty())
      return report(id, r, sent::failed, job::report_failed{s.epoch, r.fail_code, r.fail_reason}, ctx, out);
  }
  // A slow chunk shows it is alive, as the engine's every 250 ms: an offset
  // inside the chunk and no hash. Not durable: a resume never starts there.
  if (r.piece > 0 && r.hashes.size() == s.hashes.size() && r.next + r.piece > s.offset &&
      ctx.random.chance(opt_.midchunk_per_mille))
    return report(id, r, sent::progress, job::report_progress{s.epoch, r.next + r.piece, {}, ctx.now_ns}, ctx, out);
  const bool recorded = s.offset == s.size && s.hashes.size() == plan.count();
  if (!recorded) {
    if (r.next > s.offset)
      report(id, r, sent::progress,
             job::report_progress{s.epoch, r.next, beyond(r.hashes, s.hashes.size()), ctx.now_ns}, ctx, out);
    return;
  }
  if (s.status != job::job_status::finalizing && r.last != sent::finished) {
    if (r.last != sent::finalizing)
      return report(id, r, sent::finalizing, job::report_finalizing{s.epoch, ctx.now_ns}, ctx, out);
  }
  if (!r.finalized)
    finalize(a, id, s, r);
  if (!r.fail_code.empty())
    return report(id, r, sent::failed, job::report_failed{s.epoch, r.fail_code, r.fail_reason}, ctx, out);
  report(id, r, sent::finished, job::report_finished{s.epoch, r.digest}, ctx, out);
}

void sim_copy_agent::copy_chunk(agent& a, const std::string& id, const job::state& s, run& r, step_context& ctx) {
  const chunk_plan plan{s.size, s.chunk_size};
  const auto index = r.next / s.chunk_size;
  const auto length = plan.length(index);
  const auto src = disk_.durable(disk_name(s.source));
  if (!src || src->size() != s.size) {
    r.fail_code = "source_changed";
    r.fail_reason = "the source changed since the job started (size or modification time)";
    return;
  }
  const auto temp = temp_name(s.destination, id);
  if (r.steps_left == 0)
    r.steps_left = ctx.faults.slow_disk ? static_cast<unsigned>(ctx.random.between(1, opt_.max_slow_steps)) : 1;
  // This step's piece: an even share of what is left of the chunk.
  const auto n = (length - r.piece + r.steps_left - 1) / r.steps_left;
  if (ctx.faults.disk_full && ctx.random.chance(opt_.enospc_per_mille)) {
    disk_.remove(temp);  // engine::discard: a failed job leaves no temp
    r.fail_code = "disk_full";
    r.fail_reason = "pwrite " + temp + ": No space left on device";
    return;
  }
  disk_.write(temp, a.host, r.next + r.piece, src->data() + r.next + r.piece, n);
  r.piece += n;
  r.steps_left -= 1;
  if (r.piece < length)
    return;
  // The chunk is whole. Like the engine, nothing is synced before the
  // finalize: a crash may lose chunks the log records, and the finalize's
  // read-back finds and copies them again. sync_every_chunk makes each
  // chunk durable before its hash is reported instead.
  if (opt_.sync_every_chunk)
    disk_.fsync(temp, a.host);
  r.hashes.push_back(engine::sha256(src->data() + r.next, length));
  r.next += length;
  r.piece = 0;
  r.steps_left = 0;
}

// engine::finalize's steps, on the simulated disk: a temp longer than the
// source is cut; it is synced and read back; the chunks that differ are
// copied again once (if the source chunk still has its recorded hash),
// synced and read back again; then renamed into place. With the temp gone
// and the destination there (a finalize that died after its rename), the
// destination is verified and never repaired.
void sim_copy_agent::finalize(agent& a, const std::string& id, const job::state& s, run& r) {
  const chunk_plan plan{s.size, s.chunk_size};
  const auto temp = temp_name(s.destination, id);
  const auto dest = disk_name(s.destination);
  auto mismatched = [&](const std::string& file, const std::vector<std::uint64_t>& which) {
    const auto b = disk_.durable(file).value_or(bytes{});
    std::vector<std::uint64_t> bad;
    for (const auto i : which)
      if (b.size() < plan.end(i) || engine::sha256(b.data() + plan.offset(i), plan.length(i)) != s.hashes[i])
        bad.push_back(i);
    return bad;
  };
  auto fail = [&](std::string code, std::string reason) {
    disk_.remove(temp);  // engine::discard
    r.fail_code = std::move(code);
    r.fail_reason = std::move(reason);
  };
  std::vector<std::uint64_t> all(plan.count());
  for (std::uint64_t i = 0; i < all.size(); ++i)
    all[i] = i;
  if (!disk_.exists(temp)) {
    if (!disk_.exists(dest) || disk_.durable(dest)->size() != s.size)
      return fail("destination_missing", "neither the temp " + temp + " nor the destination " + dest + " is whole");
    if (auto bad = mismatched(dest, all); !bad.empty())
      return fail("verification_failed", dest + ": chunk " + std::to_string(bad.front()) + " differs from the source");
  } else {
    disk_.truncate(temp, s.size);
    disk_.fsync(temp, a.host);
    const auto bad = opt_.planted_skip_read_back ? std::vector<std::uint64_t>{} : mismatched(temp, all);
    if (!bad.empty()) {
      const auto src = disk_.durable(disk_name(s.source));
      for (const auto i : bad) {
        if (!src || src->size() != s.size ||
            engine::sha256(src->data() + plan.offset(i), plan.length(i)) != s.hashes[i])
          return fail("source_changed", "chunk " + std::to_string(i) + " no longer has the hash recorded for it");
        disk_.write(temp, a.host, plan.offset(i), src->data() + plan.offset(i), plan.length(i));
      }
      disk_.fsync(temp, a.host);
      if (auto still = mismatched(temp, bad); !still.empty())
        return fail("verification_failed", temp + ": chunk " + std::to_string(still.front()) +
                                               " reads back wrong even after copying it again");
    }
    disk_.rename(temp, dest);
  }
  r.finalized = true;
  r.digest = engine::job_digest(s.hashes);
}

} // namespace storemesh::sim
