#pragma once
// The runtime's rules for one entity, with no thread, mailbox, clock or log of
// its own: what a command goes through before its events exist (dedup by id
// and offset, the dedup window, refusals already on record, decode, decide),
// how its events are chained (sequence, previous hash), what a durable batch
// changes (the image, the indexes), and when a snapshot is due.
//
//   begin -> decide* -> (the host makes batch() durable) -> commit | abandon
//
// Two hosts run it: actors/entity_actor.hpp (a CAF actor per entity, in the
// daemon) and sim/world.cpp (the deterministic simulator). Neither holds a
// rule of its own, so what the simulator finds in this code it finds in the
// daemon's.

#include "actors/entity_key.hpp"
#include "actors/core/command_record.hpp"
#include "actors/entity_fold.hpp"
#include "actors/entity_traits.hpp"
#include "actors/records.hpp"
#include "actors/runtime_context.hpp"
#include "events/planted_bugs.hpp"
#include "services/decision.hpp"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace storemesh::actors {

/// What one round of an entity's decisions asks the log to make durable.
struct entity_round {
  std::vector<events::record> events;
  std::vector<events::record> rejections;
  /// Per rejection: the command id it claims (empty: none, e.g. a
  /// "duplicate" must not shadow the original) and the command's offset.
  std::vector<std::pair<std::string, std::int64_t>> rejected_ids;
  partition_id commands_partition;  ///< one entity: one commands partition
  /// How many events the round decided: the host may move `events` out to
  /// its writer, and commit() still needs the count.
  std::size_t event_count = 0;
  [[nodiscard]] bool empty() const { return event_count == 0 && rejections.empty(); }
};

template <class Entity>
class entity_core {
public:
  using image_type = entity_image<Entity>;
  using decision_type = services::decision<typename Entity::event_type>;

  using batch = entity_round;

  entity_core(const runtime_context& ctx, std::string id) : ctx_(&ctx), id_(std::move(id)) {}

  [[nodiscard]] const std::string& id() const { return id_; }
  [[nodiscard]] std::string key() const { return entity_key(Entity::kind, id_); }
  [[nodiscard]] const image_type& image() const { return image_; }

  void recovered(image_type image) { image_ = std::move(image); }
  /// An entity that could not be recovered refuses every command (unavailable).
  void recovery_failed(std::string why) { failure_ = std::move(why); }
  [[nodiscard]] const std::string& failure() const { return failure_; }

  /// Starts a round against the state the log holds. The round works on a
  /// copy of the image but for its command ids, which it adds to the image's
  /// own set and takes back if the round never reaches the log: the set holds
  /// up to dedup_max_ids ids, and copying it every round made a busy entity's
  /// decisions cost in proportion to its history (bench_daemon: 22 -> 36 us
  /// per command over three runs).
  void begin() {
    processed_commands ids;
    std::swap(ids, image_.processed);
    working_ = image_;
    std::swap(ids, image_.processed);
    round_ids_.clear();
    newest_before_round_ = image_.processed.newest_ns;
    fleet_view_.reset();  // one view per round
    batch_ = batch{};
  }

  /// Decides one command against the round's state so far.
  void decide(const command_record& c) {
    const auto& env = *c.env;
    const auto cmd_key = message_id_key(env.id());
    batch_.commands_partition = c.partition;
    auto reject = [&](std::string_view code, std::string_view reason) {
      batch_.rejections.push_back(make_rejection_record(Entity::kind, id_, code, reason, c.topic, c.partition,
                                                        c.at.value, c.bytes, env.id(), ctx_->producer));
      batch_.rejected_ids.emplace_back(rejection_claims_id(code) ? cmd_key : std::string(), c.at.value);
    };
    if (!failure_.empty())
      return reject("unavailable", "entity could not be recovered: " + failure_);
    if (!events::planted(events::planted_bug::skip_dedup)) {
      if (const auto* seen = processed().find(cmd_key)) {
        if (seen->offset != c.at.value)
          reject("duplicate", "command id already accepted (command offset " + std::to_string(seen->offset) + ")");
        return;  // same offset: redelivered after a restart, its outcome is in the log
      }
    }
    // Older than the ids we keep: it could be a replay we no longer recognise.
    if (processed().expired(env.reader().getTimestampNs(), ctx_->dedup_window))
      return reject("expired", "command signed more than the dedup window before the entity's latest decision");
    // A replay of a command this entity refused: refused again, whatever the
    // state now (the index holds refusals already durable, rejected_ids this
    // round's).
    if (auto refused = ctx_->rejected->find(cmd_key); refused && *refused != c.at.value)
      return reject("duplicate", "command id already rejected (command offset " + std::to_string(*refused) + ")");
    for (const auto& [id, off] : batch_.rejected_ids)
      if (id == cmd_key && off != c.at.value)
        return reject("duplicate", "command id already rejected (command offset " + std::to_string(off) + ")");
    auto command = Entity::read_command(env.reader());
    if (!command)
      return reject("malformed", command.error().message());
    auto decision = decide_with_view(working_.state, command.value());
    if (!decision.accepted())
      return reject(decision.why().code, decision.why().reason);
    cause why;
    why.command_id = env.id();
    const auto correlation = events::envelope::as_string_view(env.reader().getCorrelationId());
    why.correlation_id = correlation.empty() ? cmd_key : std::string(correlation);
    why.command_offset = c.at.value;
    // The decision's time is never before the command's (the issuer's clock
    // may run ahead of this daemon's): the dedup window compares command
    // times with decision times (processed_commands.hpp).
    why.decided_ns = std::max(events::envelope::now_ns(), env.reader().getTimestampNs());
    for (const auto& e : decision.events) {
      auto rec = make_event_record(Entity::kind, id_, working_.seq + 1, working_.last_hash, why, ctx_->producer,
                                   [&](schema::Envelope::Builder b) { Entity::write_event(e, b); });
      working_.last_hash = events::crypto::record_hash(rec.value);
      working_.seq += 1;
      working_.state = Entity::evolve(std::move(working_.state), e);
      batch_.events.push_back(std::move(rec));
      ++batch_.event_count;
    }
    processed().add(cmd_key, c.at.value, why.decided_ns);
    round_ids_.push_back(cmd_key);
  }

  [[nodiscard]] batch& pending() { return batch_; }

  /// What the fleet view learns from this round, to run once it is durable
  /// (entity_actor.hpp says when and why). Empty when it has no events or
  /// the view follows none of this kind.
  [[nodiscard]] std::function<void()> publication() const {
    if constexpr (publishes<Entity>::value) {
      if (ctx_->fleet == nullptr || batch_.event_count == 0)
        return {};
      auto state = std::make_shared<const typename Entity::state_type>(working_.state);
      return [board = ctx_->fleet, key = key(), id = id_, seq = working_.seq, state] {
        board->update_entity(key, seq, [&](services::fleet::view& f) { Entity::publish(f, id, *state); });
      };
    } else {
      return {};
    }
  }

  /// The log made the round durable; its events start at `first_event`
  /// (meaningless when it had none).
  void commit(offset first_event) {
    const auto n = batch_.event_count;
    if (n > 0) {
      if (ctx_->entities != nullptr)
        ctx_->entities->put_if_absent(std::string(Entity::kind), id_, first_event);
      working_.last_event_offset = first_event.value + static_cast<std::int64_t>(n) - 1;
      working_.since_snapshot += n;
    }
    std::swap(working_.processed, image_.processed);  // the ids, with the round's, go with the rest
    image_ = std::move(working_);
    round_ids_.clear();
    for (const auto& [id, off] : batch_.rejected_ids)
      ctx_->rejected->add(id, batch_.commands_partition, off);
    batch_ = batch{};
  }

  /// The round did not reach the log: the image stays as the log has it.
  void abandon() {
    image_.processed.take_back(round_ids_, newest_before_round_);
    round_ids_.clear();
    batch_ = batch{};
  }

  /// A snapshot record when one is due (every `snapshot_every` events), with
  /// the ids pruned to the window; none otherwise.
  [[nodiscard]] std::optional<events::record> snapshot_if_due() {
    if (image_.since_snapshot < ctx_->snapshot_every || image_.seq == 0)
      return std::nullopt;
    image_.since_snapshot = 0;
    image_.processed.prune(ctx_->dedup_window, ctx_->dedup_max_ids);
    return make_snapshot_record(Entity::kind, id_, image_.seq, image_.last_hash, ctx_->names.events(Entity::kind),
                                events::partition_for(id_, ctx_->event_partitions), image_.last_event_offset,
                                Entity::write_state(image_.state), image_.processed, ctx_->producer);
  }

private:
  /// Deciders that span entities (placement) also read the fleet view.
  decision_type decide_with_view(const typename Entity::state_type& s, const typename Entity::command_type& c) {
    if constexpr (uses_fleet<Entity>::value) {
      if (!fleet_view_)
        fleet_view_ = ctx_->fleet != nullptr ? ctx_->fleet->view() : std::make_shared<const services::fleet::view>();
      return Entity::decide(s, c, *fleet_view_);
    } else {
      return Entity::decide(s, c);
    }
  }

  /// The ids the log has decided plus, during a round, the round's own
  /// (begin() says why they are not copied).
  [[nodiscard]] processed_commands& processed() { return image_.processed; }

  const runtime_context* ctx_;
  std::string id_;
  std::string failure_;
  image_type image_;
  image_type working_;
  batch batch_;
  std::vector<std::string> round_ids_;      ///< ids this round added to image_.processed
  std::int64_t newest_before_round_ = 0;    ///< image_.processed.newest_ns when it began
  std::shared_ptr<const services::fleet::view> fleet_view_;
};

} // namespace storemesh::actors
