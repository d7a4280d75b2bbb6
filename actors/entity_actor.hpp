#pragma once
// The event-sourced shell around one entity's decider.
//
//   recovering -> ready <-> appending -> stopped
//
// recovering: the blocking pool rebuilds the entity (snapshot + replay);
//             commands wait in the queue.
// ready:      take the queued commands (up to a batch), decide each against
//             the state as the earlier ones of the batch left it, append every
//             event and rejection in one request to the log writer: appending.
// appending:  commands queue up; when the writer reports the batch durable,
//             the state moves on, commands are marked done and, every
//             `snapshot_every` events, a snapshot is written. A failed append
//             stops the daemon: state never runs ahead of the log.
// Idle for `idle_after`: ask the router to passivate us; the router answers
// with stop, which we obey once nothing is queued or in flight.
//
// Tenure. An actor decides under one tenure of its partition (the one the
// commands it was made for were read under), recovers only after the intake
// prepared that tenure (so it sees what the previous owner wrote), and claims
// that tenure on every append. Once the tenure ends (the partition moved, was
// lost, or was renewed after a fenced write) its appends are refused as
// stale_claim and it goes, deciding nothing more: the commands are
// redelivered under the current tenure, to a fresh actor that recovers from
// the log.

#include "actors/entity_recovery.hpp"
#include "actors/entity_traits.hpp"
#include "actors/messages.hpp"
#include "actors/records.hpp"
#include "actors/runtime_context.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>

namespace storemesh::actors {

template <class Entity>
class entity_actor : public caf::event_based_actor {
public:
  using image_type = entity_image<Entity>;
  using decision_type = services::decision<typename Entity::event_type>;

  entity_actor(caf::actor_config& cfg, const runtime_context* ctx, std::string id, ownership_epoch tenure,
               caf::actor router)
      : caf::event_based_actor(cfg), ctx_(ctx), id_(std::move(id)), router_(std::move(router)) {
    events_topic_ = ctx_->names.events(Entity::kind);
    partition_ = events::partition_for(id_, ctx_->event_partitions);
    claim_ = events::partition_claim{partition_, tenure};
  }

  const char* name() const override { return "entity"; }

  caf::behavior make_behavior() override {
    start_recovery();
    // One timer per idle period, not one re-armed per message (caf::after
    // cost 7% of a core on caf.clock under load, bench_daemon).
    delayed_send(this, ctx_->idle_after, idle_check_atom::value);
    return {
        [this](const command_ptr& c) {
          last_active_ = std::chrono::steady_clock::now();
          queue_.push_back(c);
          process_queue();
        },
        [this](const recovery_done& r) { on_recovered(r); },
        [this](const append_done& a) { on_appended(a); },
        [this](stop_atom) {
          stop_requested_ = true;
          maybe_stop();
        },
        [this](idle_check_atom) {
          const auto idle_for = std::chrono::steady_clock::now() - last_active_;
          if (idle_for >= ctx_->idle_after && !recovering_ && !appending_ && queue_.empty()) {
            send(router_, passivate_request{key()});
            return;  // the router answers with stop
          }
          const auto wait = std::max<std::chrono::steady_clock::duration>(ctx_->idle_after - idle_for,
                                                                          std::chrono::milliseconds(1));
          delayed_send(this, std::chrono::duration_cast<std::chrono::milliseconds>(wait), idle_check_atom::value);
        },
    };
  }

private:
  [[nodiscard]] std::string key() const { return std::string(Entity::kind) + '/' + id_; }

  void start_recovery() {
    auto self = caf::actor_cast<caf::actor>(this);
    auto ctx = ctx_;
    auto id = id_;
    ctx_->pool->post([self, ctx, id] {
      auto image = recover_entity<Entity>(*ctx, id);
      recovery_done done;
      if (image)
        done.image = std::make_shared<image_type>(std::move(image).value());
      else
        done.failure = image.error().message();
      caf::anon_send(self, std::move(done));
    });
  }

  void on_recovered(const recovery_done& r) {
    recovering_ = false;
    if (!r.failure.empty()) {
      failure_ = r.failure;
      spdlog::error("{}: recovery failed: {}", key(), failure_);
    } else {
      image_ = *std::static_pointer_cast<image_type>(r.image);
    }
    process_queue();
  }

  void process_queue() {
    if (recovering_ || appending_ || queue_.empty())
      return;
    if (!tenure_running()) {
      // The partition moved (or was renewed) while these commands waited
      // here: they are redelivered under the current tenure, to its owner.
      queue_.clear();
      quit();
      return;
    }
    working_ = image_;
    fleet_view_.reset();  // one snapshot per batch
    std::vector<events::record> event_records;
    std::vector<events::record> rejections;
    std::vector<std::pair<std::string, std::int64_t>> rejected_ids;
    batch_.clear();
    while (!queue_.empty() && batch_.size() < 256) {
      auto c = std::move(queue_.front());
      queue_.pop_front();
      decide_one(*c, event_records, rejections, rejected_ids);
      batch_.push_back(std::move(c));
    }
    if (event_records.empty() && rejections.empty()) {
      finish_batch();
      return;
    }
    batch_events_ = event_records.size();
    batch_rejected_ids_ = std::move(rejected_ids);
    std::vector<append_part> parts;
    if (!event_records.empty())
      parts.push_back(append_part{events_topic_, partition_, std::move(event_records)});
    if (!rejections.empty()) {
      parts.push_back(append_part{ctx_->names.rejected(), events::partition_for(id_, ctx_->rejected_partitions),
                                  std::move(rejections)});
    }
    appending_ = true;
    auto self = caf::actor_cast<caf::actor>(this);
    ctx_->writer->submit(std::move(parts), claim_,
                         [self, publication = publication_of_batch()](result<std::vector<offset>> r) {
                           if (r && publication)
                             publication();
                           caf::anon_send(self, append_done{std::make_shared<result<std::vector<offset>>>(std::move(r))});
                         });
  }

  void decide_one(const command_record& c, std::vector<events::record>& out, std::vector<events::record>& rejections,
                  std::vector<std::pair<std::string, std::int64_t>>& rejected_ids) {
    const auto& env = *c.env;
    const auto cmd_key = message_id_key(env.id());
    auto reject = [&](std::string_view code, std::string_view reason) {
      rejections.push_back(make_rejection_record(Entity::kind, id_, code, reason, c.topic, c.partition, c.at.value,
                                                 c.bytes, env.id(), ctx_->producer));
      rejected_ids.emplace_back(rejection_claims_id(code) ? cmd_key : std::string(), c.at.value);
    };
    if (!failure_.empty())
      return reject("unavailable", "entity could not be recovered: " + failure_);
    if (const auto* seen = working_.processed.find(cmd_key)) {
      if (seen->offset != c.at.value)
        reject("duplicate", "command id already accepted (command offset " + std::to_string(seen->offset) + ")");
      return;  // same offset: redelivered after a restart, its outcome is in the log
    }
    // Older than the ids we keep: it could be a replay we no longer recognise.
    if (working_.processed.expired(env.reader().getTimestampNs(), ctx_->dedup_window))
      return reject("expired", "command signed more than the dedup window before the entity's latest decision");
    // A replay of a command this entity refused: refused again, whatever the
    // state now (the index holds refusals already durable, rejected_ids this
    // batch's).
    if (auto refused = ctx_->rejected->find(cmd_key); refused && *refused != c.at.value)
      return reject("duplicate", "command id already rejected (command offset " + std::to_string(*refused) + ")");
    for (const auto& [id, off] : rejected_ids)
      if (id == cmd_key && off != c.at.value)
        return reject("duplicate", "command id already rejected (command offset " + std::to_string(off) + ")");
    auto command = Entity::read_command(env.reader());
    if (!command)
      return reject("malformed", command.error().message());
    auto decision = decide(working_.state, command.value());
    if (!decision.accepted())
      return reject(decision.why().code, decision.why().reason);
    cause why;
    why.command_id = env.id();
    const auto correlation = events::envelope::as_string_view(env.reader().getCorrelationId());
    why.correlation_id = correlation.empty() ? cmd_key : std::string(correlation);
    why.command_offset = c.at.value;
    for (const auto& e : decision.events) {
      auto rec = make_event_record(Entity::kind, id_, working_.seq + 1, working_.last_hash, why, ctx_->producer,
                                   [&](schema::Envelope::Builder b) { Entity::write_event(e, b); });
      working_.last_hash = events::crypto::record_hash(rec.value);
      working_.seq += 1;
      working_.state = Entity::evolve(std::move(working_.state), e);
      out.push_back(std::move(rec));
    }
    working_.processed.add(cmd_key, c.at.value, events::envelope::now_ns());
  }

  /// Deciders that span entities (placement) also read the fleet view.
  decision_type decide(const typename Entity::state_type& s, const typename Entity::command_type& c) {
    if constexpr (uses_fleet<Entity>::value) {
      if (!fleet_view_)
        fleet_view_ = ctx_->fleet != nullptr ? ctx_->fleet->view() : std::make_shared<const services::fleet::view>();
      return Entity::decide(s, c, *fleet_view_);
    } else {
      return Entity::decide(s, c);
    }
  }

  /// What the fleet view learns from this batch, told it on the writer's
  /// thread as soon as the batch is durable and before the writer's next
  /// round: not when this actor gets append_done, which on a busy machine
  /// can come after a client has read the events, sent its next command and
  /// had it decided against the old view (`host down X`, then a migration to
  /// X accepted). Told only on success: the view never holds what the log
  /// does not. Empty when the batch has no events or the view follows none.
  std::function<void()> publication_of_batch() {
    if constexpr (publishes<Entity>::value) {
      if (ctx_->fleet == nullptr || batch_events_ == 0)
        return {};
      auto state = std::make_shared<const typename Entity::state_type>(working_.state);
      return [board = ctx_->fleet, key = key(), id = id_, seq = working_.seq, state] {
        board->update_entity(key, seq, [&](services::fleet::view& f) { Entity::publish(f, id, *state); });
      };
    } else {
      return {};
    }
  }

  void on_appended(const append_done& a) {
    appending_ = false;
    if (!*a.outcome && a.outcome->error().code == events::log_errc::stale_claim) {
      // Decided under a tenure that has ended: nothing of it is in the log,
      // and the intake redelivers these commands under the current one.
      spdlog::info("{}: tenure {} of partition {} ended before the append; leaving it to the current one", key(),
                   claim_.epoch.value, partition_.value);
      quit();
      return;
    }
    if (!*a.outcome && ctx_->fenced != nullptr &&
        (a.outcome->error().code == events::log_errc::fenced || a.outcome->error().code == events::log_errc::aborted)) {
      // Nothing of the round is in the log: this actor's state is ahead of
      // it. It goes; the intake reloads the partition, and the entity (here
      // or at its new owner) recovers from what the log holds.
      spdlog::warn("{}: append fenced ({}); reloading from the log", key(), a.outcome->error().message());
      ctx_->fenced->store(true);
      quit();
      return;
    }
    if (!*a.outcome) {
      spdlog::critical("{}: append failed, stopping the daemon: {}", key(), a.outcome->error().message());
      if (ctx_->fatal)
        ctx_->fatal->store(true);
      quit();
      return;
    }
    if (batch_events_ > 0) {
      if (ctx_->entities != nullptr)
        ctx_->entities->put_if_absent(std::string(Entity::kind), id_, a.outcome->value().front());
      working_.last_event_offset = a.outcome->value().front().value + static_cast<std::int64_t>(batch_events_) - 1;
      working_.since_snapshot += batch_events_;
    }
    image_ = std::move(working_);
    for (const auto& [id, off] : batch_rejected_ids_)
      ctx_->rejected->add(id, batch_.front()->partition, off);  // one entity: one commands partition
    maybe_snapshot();
    finish_batch();
  }

  void finish_batch() {
    for (const auto& c : batch_)
      ctx_->tracker->complete(c->partition, c->at);
    batch_.clear();
    batch_events_ = 0;
    batch_rejected_ids_.clear();
    if (!queue_.empty())
      process_queue();
    else
      maybe_stop();
  }

  void maybe_snapshot() {
    if (image_.since_snapshot < ctx_->snapshot_every || image_.seq == 0)
      return;
    image_.since_snapshot = 0;
    image_.processed.prune(ctx_->dedup_window, ctx_->dedup_max_ids);
    const auto p = events::partition_for(id_, ctx_->snapshot_partitions);
    auto rec = make_snapshot_record(Entity::kind, id_, image_.seq, image_.last_hash, events_topic_, partition_,
                                    image_.last_event_offset, Entity::write_state(image_.state), image_.processed,
                                    ctx_->producer);
    auto index = ctx_->snapshots;
    std::string kind(Entity::kind);
    auto id = id_;
    ctx_->writer->submit({append_part{ctx_->names.snapshots(), p, {std::move(rec)}}}, claim_,
                         [index, kind, id, p](result<std::vector<offset>> r) {
                           if (r)
                             index->put(kind, id, snapshot_location{p, r.value().front()});
                         });
  }

  void maybe_stop() {
    if (stop_requested_ && !recovering_ && !appending_ && queue_.empty())
      quit();
  }

  [[nodiscard]] bool tenure_running() const {
    if (ctx_->group == nullptr)
      return true;
    const auto now = ctx_->group->epoch(partition_);
    return now && *now == claim_.epoch;
  }

  const runtime_context* ctx_;
  std::string id_;
  caf::actor router_;
  std::string events_topic_;
  partition_id partition_;
  events::partition_claim claim_;  ///< the tenure this actor decides under
  std::chrono::steady_clock::time_point last_active_ = std::chrono::steady_clock::now();
  bool recovering_ = true;
  bool appending_ = false;
  bool stop_requested_ = false;
  std::string failure_;
  image_type image_;
  image_type working_;
  std::deque<command_ptr> queue_;
  std::vector<command_ptr> batch_;
  std::size_t batch_events_ = 0;
  std::vector<std::pair<std::string, std::int64_t>> batch_rejected_ids_;
  std::shared_ptr<const services::fleet::view> fleet_view_;
};

} // namespace storemesh::actors
