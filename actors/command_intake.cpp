#include "actors/command_intake.hpp"
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
                               caf::actor router)
    : ctx_(ctx), trusted_(std::move(trusted)), group_(group), ownership_(ownership), prepare_(std::move(prepare)),
      router_(std::move(router)), topic_(ctx.names.commands()) {}

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
  ctx_.writer->set_positions(events::offsets_commit{&group_, topic_, positions()});
}

void command_intake::assigned(const std::vector<partition_id>& partitions) {
  // The previous owner's last writes are durable (it finished before it let
  // go, or it is dead and its open transaction will never be visible): the
  // indexes learn them before any command of these partitions is decided.
  if (auto ready = prepare_(partitions); !ready)
    return fail("preparing partitions: " + ready.error().message());
  for (const auto p : partitions) {
    // (Already read here: a reload after a fence; start over from the group.)
    cursors_.erase(std::remove_if(cursors_.begin(), cursors_.end(), [p](const cursor& c) { return c.p == p; }),
                   cursors_.end());
    auto from = group_.committed(topic_, p);
    if (!from)
      return fail(from.error().message());
    auto reader = ctx_.log->read(topic_, p, from.value());
    if (!reader)
      return fail(reader.error().message());
    auto end = ctx_.log->end_offset(topic_, p);
    if (!end)
      return fail(end.error().message());
    cursors_.push_back(cursor{p, std::move(reader).value(), end.value()});
    ownership_.add(p);
  }
  assigned_once_ = true;
  caught_up_ = false;
}

void command_intake::revoked(const std::vector<partition_id>& partitions, bool lost) {
  auto moving = [&](const cursor& c) { return std::find(partitions.begin(), partitions.end(), c.p) != partitions.end(); };
  events::partition_group::positions final_positions;
  // Let what was handed to entities finish: the next owner must find its
  // outcome in the log (bounded: a stuck command is redelivered there, and
  // its entity recognises it by id).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (auto& c : cursors_) {
    if (!moving(c))
      continue;
    // (A fenced write ends the wait: what was in flight was aborted, and is
    // redelivered from the committed position.)
    while (!lost && ctx_.tracker->low_watermark(c.p, c.reader->position()) < c.reader->position() &&
           std::chrono::steady_clock::now() < deadline && !ctx_.fatal->load() &&
           !(ctx_.fenced != nullptr && ctx_.fenced->load()))
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    final_positions.emplace_back(c.p, ctx_.tracker->low_watermark(c.p, c.reader->position()));
  }
  cursors_.erase(std::remove_if(cursors_.begin(), cursors_.end(), moving), cursors_.end());
  for (const auto p : partitions) {
    ownership_.remove(p);
    // Lost: what is open here will be redelivered to the next owner (or to
    // this daemon again), from the committed position.
    if (lost)
      ctx_.tracker->forget(p);
  }
  // Rounds from now on carry only the partitions still owned, and none in
  // flight carries a moving one by the time this commit lands.
  publish_positions();
  ctx_.writer->barrier();
  if (!lost && !final_positions.empty())
    if (auto committed = group_.commit(topic_, final_positions); !committed)
      spdlog::error("intake: committing the positions of moving partitions: {}", committed.error().message());
  std::vector<std::int32_t> ids;
  for (const auto p : partitions)
    ids.push_back(p.value);
  caf::anon_send(router_, release_partitions{std::move(ids)});
}

void command_intake::reload() {
  // A round of this daemon was refused as fenced: the group had moved on
  // (this daemon paused past its session, or a rebalance outran the retries).
  // Whatever the entities here decided since the last committed positions
  // may be missing from the log, so everything owned is read again from the
  // group's positions, by fresh entity actors recovered from the log. The
  // group, polled next, says what this daemon really owns now.
  std::vector<partition_id> owned;
  for (const auto& c : cursors_)
    owned.push_back(c.p);
  spdlog::warn("intake: writes fenced; reloading {} partition(s) from their committed positions", owned.size());
  revoked(owned, true);
  assigned(owned);
}

void command_intake::run() {
  std::vector<events::record_view> batch;
  std::vector<verdict> verdicts;
  // Below this many records a hand-off to the checker costs more than it saves.
  constexpr std::size_t split_at = 8;
  auto check_batch = [this, split_at](const std::string& t, partition_id p, const std::vector<events::record_view>& b,
                                      std::vector<verdict>& out) {
    out.clear();
    out.resize(b.size());
    const std::size_t half = b.size() >= split_at ? b.size() / 2 : 0;
    if (half > 0)
      checker_.fork([&, half] {
        for (std::size_t i = half; i < b.size(); ++i)
          out[i] = check(t, p, b[i]);
      });
    for (std::size_t i = 0; i < (half > 0 ? half : b.size()); ++i)
      out[i] = check(t, p, b[i]);
    if (half > 0)
      checker_.join();
  };
  auto last_commit = std::chrono::steady_clock::now();
  std::size_t idle_turn = 0;

  while (!stopping_) {
    if (ctx_.fenced != nullptr && ctx_.fenced->exchange(false))
      reload();
    // Membership first: a revocation must not wait behind a batch.
    if (auto polled = group_.poll(*this, std::chrono::milliseconds(0)); !polled)
      return fail(polled.error().message());
    if (stopping_)
      break;
    bool any = false;
    for (auto& c : cursors_) {
      batch.clear();
      auto n = c.reader->poll(batch, 256 * 1024);
      if (!n)
        return fail("reading " + topic_ + "/" + std::to_string(c.p.value) + ": " + n.error().message());
      check_batch(topic_, c.p, batch, verdicts);
      for (std::size_t i = 0; i < batch.size(); ++i)
        dispatch(topic_, c.p, batch[i], std::move(verdicts[i]));
      any = any || n.value() > 0;
    }
    if (std::chrono::steady_clock::now() - last_commit > commit_every) {
      publish_positions();
      last_commit = std::chrono::steady_clock::now();
    }
    if (!caught_up_ && assigned_once_) {
      bool all = true;
      for (const auto& c : cursors_)
        all = all && ctx_.tracker->low_watermark(c.p, c.reader->position()) >= c.end_at_start;
      caught_up_ = all;
    }
    if (!any) {
      if (cursors_.empty()) {
        // Nothing owned (yet): wait on the group instead.
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
  verdict v;
  if (ctx_.rejected->rejected_at(p, r.off.value)) {
    v.redelivered = true;
    return v;
  }
  auto rec = std::make_shared<command_record>();
  rec->bytes.assign(r.value.data(), r.value.size());
  auto env = events::envelope::decoded_envelope::decode(rec->bytes);
  auto refuse = [&](std::string code, std::string reason) {
    v.code = std::move(code);
    v.reason = std::move(reason);
    return v;
  };
  if (!env)
    return refuse("malformed", env.error().message());
  v.kind = env.value().entity_kind();
  v.id = env.value().entity_id();
  v.command_id = env.value().id();
  if (auto known = env.value().check_payload_known(); !known)
    return refuse("unknown_type", known.error().message());
  auto signer = events::crypto::verify_command(env.value().reader(), trusted_);
  if (!signer)
    return refuse(events::crypto::code_name(static_cast<events::crypto::crypto_errc>(signer.error().code.value())),
                  signer.error().message());
  if (find_entity_kind(v.kind) == nullptr)
    return refuse("unknown_kind", "no entity kind '" + v.kind + "'");
  if (v.id != r.key)
    return refuse("bad_key", "record key differs from the command's entity id");
  if (auto seen = ctx_.rejected->find(message_id_key(v.command_id)))
    return refuse("duplicate", "command id already rejected (command offset " + std::to_string(*seen) + ")");
  rec->env.emplace(std::move(env).value());
  v.command = std::move(rec);
  return v;
}

void command_intake::dispatch(const std::string& topic, partition_id p, const events::record_view& r, verdict v) {
  ++read_;
  if (v.redelivered)
    return;
  if (!v.command)
    return reject(topic, p, r, v.kind, v.id.empty() ? std::string(r.key) : v.id, v.command_id, v.code, v.reason);
  v.command->topic = topic;
  v.command->partition = p;
  v.command->at = r.off;
  ctx_.tracker->start(p, r.off);
  caf::anon_send(router_, command_ptr(std::move(v.command)));
}

void command_intake::reject(const std::string& topic, partition_id p, const events::record_view& r,
                            std::string_view kind, std::string_view id, const std::array<std::uint8_t, 16>& cmd_id,
                            std::string_view code, const std::string& reason) {
  const std::string key = id.empty() ? "unknown" : std::string(id);
  auto rec = make_rejection_record(kind, key, code, reason, topic, p, r.off.value, r.value, cmd_id, ctx_.producer);
  ctx_.tracker->start(p, r.off);
  auto tracker = ctx_.tracker;
  auto rejected = ctx_.rejected;
  // Intake rejections never claim the id (see rejection_claims_id).
  std::string id_key;
  const auto at = r.off;
  ctx_.writer->submit({append_part{ctx_.names.rejected(), events::partition_for(key, ctx_.rejected_partitions), {std::move(rec)}}},
                      [tracker, rejected, id_key, p, at, fatal = ctx_.fatal,
                       fenced = ctx_.fenced](result<std::vector<offset>> done) {
                        if (!done) {
                          // Fenced: redelivered after the reload (run()).
                          (done.error().code == events::log_errc::fenced && fenced != nullptr ? fenced : fatal)
                              ->store(true);
                          return;
                        }
                        rejected->add(id_key, p, at.value);
                        tracker->complete(p, at);
                      });
}

} // namespace storemesh::actors
