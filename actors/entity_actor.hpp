#pragma once
// The event-sourced shell around one entity's decider.
//
//   recovering -> ready <-> appending -> stopped
//
// recovering: the entity's image comes from its partition's takeover
//             (restored_images.hpp: restored with the whole partition in one
//             pass, handed out once), or the blocking pool rebuilds it alone
//             (snapshot + replay); commands wait in the queue either way.
//             A failure that passes by itself (no broker answered in time)
//             is tried again, 0.1 s later doubling to 5 s, for as long as
//             the tenure runs; any other leaves the entity unavailable.
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
// The rules a command goes through live in actors/core/entity_core.hpp (the
// simulator hosts the same core); this file is the CAF host: mailbox, queue,
// recovery on the blocking pool, the log writer, passivation.
//
// Tenure. An actor decides under one tenure of its partition (the one the
// commands it was made for were read under), recovers only after the intake
// prepared that tenure (so it sees what the previous owner wrote), and claims
// that tenure on every append. Once the tenure ends (the partition moved, was
// lost, or was renewed after a fenced write) its appends are refused as
// stale_claim and it goes, deciding nothing more: the commands are
// redelivered under the current tenure, to a fresh actor that recovers from
// the log.

#include "actors/entity_key.hpp"
#include "actors/core/entity_core.hpp"
#include "actors/entity_recovery.hpp"
#include "actors/messages.hpp"
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

  entity_actor(caf::actor_config& cfg, const runtime_context* ctx, std::string id, ownership_epoch tenure,
               caf::actor router)
      : caf::event_based_actor(cfg), ctx_(ctx), id_(std::move(id)), router_(std::move(router)), core_(*ctx, id_) {
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
        [this](const command_batch& b) {
          last_active_ = std::chrono::steady_clock::now();
          queue_.insert(queue_.end(), b.commands.begin(), b.commands.end());
          process_queue();
        },
        [this](const recovery_done& r) { on_recovered(r); },
        [this](recover_again_atom) { recover_again(); },
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
  [[nodiscard]] std::string key() const { return entity_key(Entity::kind, id_); }

  /// Recovery of this entity alone, on the blocking pool.
  static void recover_alone(caf::actor self, const runtime_context* ctx, std::string id) {
    ctx->pool->post([self = std::move(self), ctx, id = std::move(id)] {
      auto image = recover_entity<Entity>(*ctx, id);
      recovery_done done;
      if (image) {
        done.image = std::make_shared<image_type>(std::move(image).value());
      } else {
        done.failure = image.error().message();
        done.passes = events::passes_by_itself(image.error().code);
      }
      caf::anon_send(self, std::move(done));
    });
  }

  void start_recovery() {
    auto self = caf::actor_cast<caf::actor>(this);
    if (ctx_->restored == nullptr)
      return recover_alone(self, ctx_, id_);
    // The takeover of this partition's tenure restored it (or is restoring
    // it: then this waits, and the commands with it); otherwise, or once the
    // image was taken (passivation), recover alone.
    ctx_->restored->claim(key(), partition_, claim_.epoch, [self, ctx = ctx_, id = id_](std::shared_ptr<void> image) {
      if (!image)
        return recover_alone(self, ctx, id);
      recovery_done done;
      done.image = std::move(image);
      caf::anon_send(self, std::move(done));
    });
  }

  void on_recovered(const recovery_done& r) {
    if (!r.failure.empty() && r.passes) {
      // The brokers are slow or away (a restart, a starved machine): the
      // commands wait here while recovery is tried again, later each time.
      // Refusing them as unavailable would answer for a log that holds their
      // entity's history.
      spdlog::warn("{}: recovery failed ({}); trying again in {} ms", key(), r.failure, recovery_backoff_.count());
      delayed_send(this, recovery_backoff_, recover_again_atom::value);
      recovery_backoff_ = std::min(recovery_backoff_ * 2, max_recovery_backoff);
      return;
    }
    recovering_ = false;
    if (!r.failure.empty()) {
      core_.recovery_failed(r.failure);
      spdlog::error("{}: recovery failed: {}", key(), r.failure);
    } else {
      core_.recovered(std::move(*std::static_pointer_cast<image_type>(r.image)));
    }
    process_queue();
  }

  void recover_again() {
    if (!tenure_running()) {
      // The partition moved on while this waited for its history: the
      // commands are redelivered under the current tenure, to its owner.
      queue_.clear();
      quit();
      return;
    }
    recover_alone(caf::actor_cast<caf::actor>(this), ctx_, id_);
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
    core_.begin();
    batch_.clear();
    while (!queue_.empty() && batch_.size() < 256) {
      auto c = std::move(queue_.front());
      queue_.pop_front();
      core_.decide(*c);
      batch_.push_back(std::move(c));
    }
    auto& round = core_.pending();
    if (round.empty()) {
      core_.abandon();
      finish_batch();
      return;
    }
    std::vector<append_part> parts;
    if (!round.events.empty())
      parts.push_back(append_part{events_topic_, partition_, std::move(round.events)});
    if (!round.rejections.empty()) {
      parts.push_back(append_part{ctx_->names.rejected(), events::partition_for(id_, ctx_->rejected_partitions),
                                  std::move(round.rejections)});
    }
    appending_ = true;
    auto self = caf::actor_cast<caf::actor>(this);
    ctx_->writer->submit(std::move(parts), claim_, [self, publication = core_.publication()](result<std::vector<offset>> r) {
      if (r && publication)
        publication();
      caf::anon_send(self, append_done{std::make_shared<result<std::vector<offset>>>(std::move(r))});
    });
  }

  void on_appended(const append_done& a) {
    appending_ = false;
    if (!*a.outcome)
      core_.abandon();
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
      // A broken log client (a fatal producer error: its records timed out
      // while brokers were unreachable, say) is not the end: the writer has
      // logged the round and flagged the daemon, and `serve` opens the log
      // again and resumes by replay. Anything else is.
      if (a.outcome->error().code == events::log_errc::broker_error)
        spdlog::error("{}: append failed, stopping the daemon for the log to be opened again: {}", key(),
                      a.outcome->error().message());
      else
        spdlog::critical("{}: append failed, stopping the daemon: {}", key(), a.outcome->error().message());
      if (ctx_->fatal)
        ctx_->fatal->store(true);
      quit();
      return;
    }
    // The events' part comes first when the round had any (process_queue).
    core_.commit(a.outcome->value().front());
    maybe_snapshot();
    finish_batch();
  }

  void finish_batch() {
    std::vector<std::pair<partition_id, offset>> done;
    done.reserve(batch_.size());
    for (const auto& c : batch_)
      done.emplace_back(c->partition, c->at);
    ctx_->tracker->complete_all(done);
    batch_.clear();
    if (!queue_.empty())
      process_queue();
    else
      maybe_stop();
  }

  void maybe_snapshot() {
    auto rec = core_.snapshot_if_due();
    if (!rec)
      return;
    const auto p = events::partition_for(id_, ctx_->snapshot_partitions);
    auto index = ctx_->snapshots;
    std::string kind(Entity::kind);
    auto id = id_;
    ctx_->writer->submit({append_part{ctx_->names.snapshots(), p, {std::move(*rec)}}}, claim_,
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
  static constexpr std::chrono::milliseconds max_recovery_backoff{5000};
  std::chrono::milliseconds recovery_backoff_{100};
  bool recovering_ = true;
  bool appending_ = false;
  bool stop_requested_ = false;
  entity_core<Entity> core_;
  std::deque<command_ptr> queue_;
  std::vector<command_ptr> batch_;
};

} // namespace storemesh::actors
