#include "actors/command_intake.hpp"
#include "actors/core/command_admission.hpp"
#include "actors/thread_name.hpp"

#include "actors/entity_kinds.hpp"
#include "actors/messages.hpp"
#include "actors/records.hpp"
#include "events/crypto/command_signing.hpp"
#include "events/crypto/crypto_errc.hpp"
#include "events/envelope/envelope_errc.hpp"

#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

namespace storemesh::actors {

namespace {
constexpr std::size_t max_in_flight = 20000;
constexpr auto commit_every = std::chrono::milliseconds(200);
} // namespace

command_intake::command_intake(runtime_context& ctx, events::crypto::trusted_keys trusted,
                               events::partition_group& group, partition_ownership& ownership, prepare_fn prepare,
                               caf::actor router, unsigned threads)
    : ctx_(ctx), trusted_(std::move(trusted)), group_(group), ownership_(ownership), prepare_(std::move(prepare)),
      router_(std::move(router)), topic_(ctx.names.commands()),
      checkers_("sm.verify", threads == 0 ? default_threads() : threads) {
  // (Not the rejected topic: a refusal of a command whose key is not its
  // entity's lands where that entity's would, which another daemon may own.)
  owned_topics_ = {ctx.names.snapshots()};
  for (const auto& kind : entity_kinds())
    owned_topics_.push_back(ctx.names.events(kind.kind));
}

command_intake::~command_intake() {
  stop();
  // In-flight commands have finished by now (the daemon waited for them):
  // these are the positions a restart resumes from.
  publish_positions();
}

void command_intake::start() { thread_ = std::thread([this] {
    name_this_thread("sm.intake");
    run();
  }); }

void command_intake::stop() {
  stopping_ = true;
  if (thread_.joinable())
    thread_.join();
}

void command_intake::fail(const std::string& what) {
  spdlog::critical("intake: {}", what);
  ctx_.fatal->store(true);
  stopping_ = true;
}

events::partition_group::positions command_intake::positions() const {
  events::partition_group::positions out;
  for (const auto& c : cursors_)
    out.emplace_back(c.p, ctx_.tracker->low_watermark(c.p, c.reader->position()));
  return out;
}

void command_intake::publish_positions() {
  ctx_.writer->set_positions(events::offsets_commit{&group_, topic_, positions(), {}});
}

void command_intake::assigned(const std::vector<partition_id>& partitions) {
  ++rebalances_;
  for (const auto p : partitions)
    if (std::find(pending_.begin(), pending_.end(), p) == pending_.end())
      pending_.push_back(p);
  if (!partitions.empty()) {
    assigned_once_ = true;
    caught_up_ = false;
    retry_pending_at_ = {};
  }
}

void command_intake::open_pending() {
  if (pending_.empty() || std::chrono::steady_clock::now() < retry_pending_at_)
    return;
  auto retry = [this](const std::string& why) {
    // Transient (a coordinator moving, a broker restarting) or a previous
    // owner's transaction still open: the partition stays pending; the loop
    // polls the group meanwhile, so this member stays in it.
    pending_backoff_ = std::min(std::max(pending_backoff_ * 2, std::chrono::milliseconds(50)),
                                std::chrono::milliseconds(1000));
    retry_pending_at_ = std::chrono::steady_clock::now() + pending_backoff_;
    spdlog::log(pending_backoff_ >= std::chrono::milliseconds(1000) ? spdlog::level::warn : spdlog::level::info,
                "intake: partitions pending ({}); retrying in {} ms", why, pending_backoff_.count());
  };
  // Where each partition resumes, first, and stable (kafka_group::committed):
  // a previous owner's transaction that carries its positions has ended,
  // committed or aborted, before anything it wrote is looked at. (One that
  // carries none is refused by the coordinator: its member is fenced.)
  std::vector<std::pair<partition_id, offset>> ready;
  for (const auto p : pending_) {
    auto at = group_.committed(topic_, p);
    if (!at)
      return retry(at.error().message());
    ready.emplace_back(p, at.value());
  }
  // A previous owner killed mid-round leaves a transaction open on what it
  // wrote (no positions sent yet, or its positions were stable already):
  // nothing of it will ever be committed (its member is fenced), but until
  // the coordinator aborts it, within the transaction timeout, readers see
  // nothing past it -- neither this daemon's indexes nor its own appends.
  // Only the partition's owner writes there, so it is the previous one's.
  for (const auto p : pending_)
    for (const auto& topic : owned_topics_) {
      auto open = ctx_.log->transaction_open(topic, p);
      if (!open)
        return retry(open.error().message());
      if (open.value())
        return retry(topic + "/" + std::to_string(p.value) +
                     " has a transaction open from its previous owner (it ends within the transaction timeout)");
    }
  // Then the indexes learn what the previous owners wrote, before any
  // command of these partitions is decided (entities recover from them).
  if (auto caught_up = prepare_(pending_); !caught_up)
    return retry("preparing: " + caught_up.error().message());
  for (const auto& [p, from] : ready) {
    const auto tenure = group_.epoch(p);
    if (!tenure) {
      // Not owned any more (the revocation removes it from pending_; be safe).
      pending_.erase(std::find(pending_.begin(), pending_.end(), p));
      continue;
    }
    auto reader = ctx_.log->read(topic_, p, from);
    if (!reader)
      return retry(reader.error().message());
    auto end = ctx_.log->end_offset(topic_, p);
    if (!end)
      return retry(end.error().message());
    // (Already read here: a reload after a fence; start over from the group.)
    cursors_.erase(std::remove_if(cursors_.begin(), cursors_.end(), [p = p](const cursor& c) { return c.p == p; }),
                   cursors_.end());
    cursors_.push_back(cursor{p, std::move(reader).value(), end.value(), *tenure});
    ownership_.add(p);
    pending_.erase(std::find(pending_.begin(), pending_.end(), p));
  }
  pending_backoff_ = std::chrono::milliseconds(0);
  // Before any of their commands is decided: every round that claims one of
  // these partitions commits a position of it, which has the coordinator
  // check this member's generation.
  publish_positions();
}

void command_intake::revoked(const std::vector<partition_id>& partitions, bool lost) {
  ++rebalances_;
  auto moving = [&](const cursor& c) { return std::find(partitions.begin(), partitions.end(), c.p) != partitions.end(); };
  events::partition_group::positions final_positions;
  if (!lost) {
    // Let what was handed to entities finish: the next owner must find its
    // outcome in the log (bounded: a stuck command is redelivered there, and
    // its entity recognises it by id). The tenures stay valid until this
    // returns, and the rounds keep committing these partitions' positions.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (auto& c : cursors_) {
      if (!moving(c))
        continue;
      // (A fenced write ends the wait: what was in flight was refused, and
      // is redelivered from the committed position.)
      while (ctx_.tracker->low_watermark(c.p, c.reader->position()) < c.reader->position() &&
             std::chrono::steady_clock::now() < deadline && !ctx_.fatal->load() && !fenced_since_ &&
             !(ctx_.fenced != nullptr && ctx_.fenced->load()))
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      final_positions.emplace_back(c.p, ctx_.tracker->low_watermark(c.p, c.reader->position()));
    }
    // Their last positions, in a round of their own (in the transaction that
    // fences this member, on Kafka).
    publish_positions();
    ctx_.writer->barrier();
  }
  cursors_.erase(std::remove_if(cursors_.begin(), cursors_.end(), moving), cursors_.end());
  pending_.erase(std::remove_if(pending_.begin(), pending_.end(),
                                [&](partition_id p) {
                                  return std::find(partitions.begin(), partitions.end(), p) != partitions.end();
                                }),
                 pending_.end());
  for (const auto p : partitions) {
    ownership_.remove(p);
    // What is open here will be redelivered to the next owner (or to this
    // daemon again), from the committed position.
    ctx_.tracker->forget(p);
  }
  // Rounds from now on carry only the partitions still owned. (Lost: no
  // need to wait for the writer -- whatever it holds for these partitions
  // claims a tenure that has ended, and is dropped.)
  publish_positions();
  if (!lost) {
    ctx_.writer->barrier();
    if (!final_positions.empty())
      if (auto committed = group_.commit(topic_, final_positions); !committed)
        spdlog::error("intake: committing the positions of moving partitions: {}", committed.error().message());
  }
  std::vector<std::int32_t> ids;
  for (const auto p : partitions)
    ids.push_back(p.value);
  caf::anon_send(router_, release_partitions{std::move(ids)});
}

void command_intake::reload() {
  // A round of this daemon was refused as fenced: the group had moved on
  // (this daemon paused past its session, or a rebalance outran the round).
  // Whatever the entities here decided since the last committed positions
  // may be missing from the log, so every partition still owned gets a new
  // tenure -- work in flight under the old one is refused as stale from now
  // on -- and is read again from the group's positions, by fresh entity
  // actors recovered from the log.
  std::vector<partition_id> kept;
  for (const auto& c : cursors_)
    if (group_.renew(c.p))
      kept.push_back(c.p);
  for (const auto p : pending_)
    (void)group_.renew(p);  // nothing read yet: it just stays pending
  spdlog::warn("intake: writes fenced; reloading {} partition(s) from their committed positions", kept.size());
  revoked(kept, true);
  assigned(kept);
}

void command_intake::on_fenced() {
  // The group moved on without telling this member yet (it learns at its
  // next heartbeat): deciding more now would only be fenced again. Read no
  // commands until the group has said where this member stands (a rebalance
  // callback: kept, revoked or lost partitions, and the new generation the
  // rounds present), or for a bounded while, then reload what is still owned.
  const auto now = std::chrono::steady_clock::now();
  if (!fenced_since_)
    fenced_since_.emplace(rebalances_, now);
  constexpr auto bound = std::chrono::seconds(3);
  if (rebalances_ > fenced_since_->first || now - fenced_since_->second > bound) {
    spdlog::info("intake: fenced {} ms ago; the group {}", std::chrono::duration_cast<std::chrono::milliseconds>(now - fenced_since_->second).count(),
                 rebalances_ > fenced_since_->first ? "has rebalanced since" : "said nothing new");
    fenced_since_.reset();
    reload();
  }
}

void command_intake::run() {
  std::vector<events::record_view> batch;
  std::vector<verdict> verdicts;
  // Records per hand-off: fewer, and waking a helper costs more than it saves.
  constexpr std::size_t grain = 8;
  auto check_batch = [this](const std::string& t, partition_id p, const std::vector<events::record_view>& b,
                            std::vector<verdict>& out) {
    out.clear();
    out.resize(b.size());
    checkers_.for_each(b.size(), grain, [&](std::size_t i) { out[i] = check(t, p, b[i]); });
  };
  auto last_commit = std::chrono::steady_clock::now();
  std::size_t idle_turn = 0;

  while (!stopping_) {
    if ((ctx_.fenced != nullptr && ctx_.fenced->exchange(false)) || fenced_since_)
      on_fenced();
    // Membership first: a revocation must not wait behind a batch.
    if (auto polled = group_.poll(*this, std::chrono::milliseconds(fenced_since_ ? 20 : 0)); !polled)
      return fail(polled.error().message());
    if (stopping_)
      break;
    if (fenced_since_)
      continue;
    open_pending();
    bool any = false;
    for (auto& c : cursors_) {
      batch.clear();
      auto n = c.reader->poll(batch, 256 * 1024);
      if (!n && events::passes_by_itself(n.error().code)) {
        spdlog::warn("intake: reading {}/{}: {}; trying again", topic_, c.p.value, n.error().message());
        continue;
      }
      if (!n)
        return fail("reading " + topic_ + "/" + std::to_string(c.p.value) + ": " + n.error().message());
      check_batch(topic_, c.p, batch, verdicts);
      await_publications(verdicts, batch.size());
      for (std::size_t i = 0; i < batch.size(); ++i)
        dispatch(c, batch[i], std::move(verdicts[i]));
      if (!to_route_.commands.empty())
        caf::anon_send(router_, std::exchange(to_route_, command_batch{}));
      any = any || n.value() > 0;
    }
    if (std::chrono::steady_clock::now() - last_commit > commit_every) {
      publish_positions();
      last_commit = std::chrono::steady_clock::now();
    }
    if (!caught_up_ && assigned_once_ && pending_.empty()) {
      bool all = true;
      for (const auto& c : cursors_)
        all = all && ctx_.tracker->low_watermark(c.p, c.reader->position()) >= c.end_at_start;
      caught_up_ = all;
    }
    if (!any) {
      if (cursors_.empty()) {
        // Nothing open (yet): wait on the group instead.
        if (auto polled = group_.poll(*this, std::chrono::milliseconds(20)); !polled)
          return fail(polled.error().message());
        continue;
      }
      // Nothing anywhere: wait on one partition at a time, in turn, for a
      // slice of 20 ms, so a command on any partition waits at most a slice
      // (waiting on partition 0 alone cost partition 1 a full 20 ms).
      auto& c = cursors_[idle_turn++ % cursors_.size()];
      const auto slice = std::max<std::int64_t>(2, 20 / static_cast<std::int64_t>(cursors_.size()));
      (void)ctx_.log->wait_beyond(topic_, c.p, c.reader->position(), std::chrono::milliseconds(slice));
    }
    ctx_.tracker->wait_below(max_in_flight);
  }
}

command_intake::verdict command_intake::check(const std::string&, partition_id p,
                                              const events::record_view& r) const {
  return admit_command(*ctx_.rejected, trusted_, &verified_roots_, p, r);
}

// A command's author may have acted on an event it read in the log (`host
// down` answered, then `copy migrate` to that host). The event was readable
// as soon as its round was written, a moment before the round's callbacks
// publish it to the fleet view; on a busy machine the writer's thread can be
// off the CPU in between for longer than it takes to read the new command and
// decide it against the old view. That round began before this command was
// written, so waiting for the round in flight now closes the window; only
// for deciders that read the view, and bounded (a fenced round waits for
// the group's news, which this thread polls).
void command_intake::await_publications(const std::vector<verdict>& verdicts, std::size_t n) const {
  for (std::size_t i = 0; i < n; ++i) {
    if (!verdicts[i].command)
      continue;
    if (const auto* k = find_entity_kind(verdicts[i].kind); k != nullptr && k->reads_fleet) {
      ctx_.writer->await_round_in_flight(std::chrono::seconds(1));
      return;
    }
  }
}

void command_intake::dispatch(const cursor& c, const events::record_view& r, verdict v) {
  ++read_;
  if (v.redelivered)
    return;
  if (!v.command)
    return reject(c, r, v.kind, v.id.empty() ? std::string(r.key) : v.id, v.command_id, v.code, v.reason);
  v.command->topic = topic_;
  v.command->partition = c.p;
  v.command->at = r.off;
  v.command->epoch = c.tenure;
  ctx_.tracker->start(c.p, r.off);
  to_route_.commands.push_back(std::move(v.command));
}

void command_intake::reject(const cursor& c, const events::record_view& r, std::string_view kind,
                            std::string_view id, const std::array<std::uint8_t, 16>& cmd_id, std::string_view code,
                            const std::string& reason) {
  const std::string key = id.empty() ? "unknown" : std::string(id);
  const auto p = c.p;
  auto rec = make_rejection_record(kind, key, code, reason, topic_, p, r.off.value, r.value, cmd_id, ctx_.producer);
  ctx_.tracker->start(p, r.off);
  auto tracker = ctx_.tracker;
  auto rejected = ctx_.rejected;
  // Intake rejections never claim the id (see rejection_claims_id).
  std::string id_key;
  const auto at = r.off;
  // A refusal is a decision: made under this tenure, written only within it.
  ctx_.writer->submit({append_part{ctx_.names.rejected(), events::partition_for(key, ctx_.rejected_partitions), {std::move(rec)}}},
                      events::partition_claim{p, c.tenure},
                      [tracker, rejected, id_key, p, at, fatal = ctx_.fatal,
                       fenced = ctx_.fenced](result<std::vector<offset>> done) {
                        if (!done) {
                          // Stale: redelivered under the current tenure.
                          // Fenced: redelivered after the reload (run()).
                          if (done.error().code == events::log_errc::stale_claim)
                            return;
                          const bool passing = done.error().code == events::log_errc::fenced ||
                                               done.error().code == events::log_errc::aborted;
                          (passing && fenced != nullptr ? fenced : fatal)->store(true);
                          return;
                        }
                        rejected->add(id_key, p, at.value);
                        tracker->complete(p, at);
                      });
}

} // namespace storemesh::actors
