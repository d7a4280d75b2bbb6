#pragma once
// One entity kind's population in bench_sim_scale, and the paths it is timed
// through:
//
//   decide_block   the runtime's path: decide; each event built as the
//                  entity actor builds it (make_event_record, hash-linked to
//                  the previous), then folded back into the image with
//                  fold_event (decode, sequence and chain checks, evolve,
//                  record hash, the command id kept for dedup). The records
//                  go to the population's log (a record_arena).
//   reference_*    the decider's own maximum: decide + evolve on bare states,
//                  the same commands, no record.
//   write_snapshots / recover_from_snapshots / replay_from_start
//                  every entity's snapshot record (make_snapshot_record),
//                  then every entity rebuilt from it (image_of_snapshot, the
//                  code recovery runs) versus from all its events (fold_event).
//
// Commands arrive in blocks (entity index, command); a block is timed as a
// whole (wall clock and this thread's CPU time), and its records are copied
// to the log only after its clock stopped.

#include "actors/entity_fold.hpp"
#include "actors/entity_traits.hpp"
#include "actors/records.hpp"
#include "actors/snapshot_image.hpp"
#include "bench/record_arena.hpp"
#include "events/crypto/hashing.hpp"
#include "events/envelope/decoded_envelope.hpp"
#include "services/fleet/fleet.hpp"

#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace storemesh::bench::sim_scale {

inline double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// Wall clock and this thread's CPU time, summed over the timed blocks.
struct stopwatch {
  double wall = 0, cpu = 0;
  template <class F>
  void time(F&& f) {
    const auto w0 = std::chrono::steady_clock::now();
    const auto c0 = thread_cpu_seconds();
    f();
    cpu += thread_cpu_seconds() - c0;
    wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  }
};

/// What one path made of the commands it was given.
struct tally {
  std::uint64_t commands = 0, accepted = 0, events = 0;
  std::map<std::string, std::uint64_t> refused;  ///< code -> commands
  stopwatch clock;
  [[nodiscard]] std::uint64_t rejected() const { return commands - accepted; }
};

/// An image's identity after recovery: its state's bytes, sequence, last
/// hash and dedup ids, hashed. Snapshot recovery and replay must agree on it.
template <class Entity>
events::crypto::digest fingerprint(const actors::entity_image<Entity>& image) {
  std::string bytes = Entity::write_state(image.state);
  bytes.append(reinterpret_cast<const char*>(&image.seq), sizeof image.seq);
  bytes.append(reinterpret_cast<const char*>(image.last_hash.data()), image.last_hash.size());
  const std::uint64_t ids = image.processed.size();
  bytes.append(reinterpret_cast<const char*>(&ids), sizeof ids);
  return events::crypto::blake2b_256(bytes);
}

template <class Entity, class Fleet>
services::decision<typename Entity::event_type> decide_with(const typename Entity::state_type& s,
                                                            const typename Entity::command_type& c,
                                                            const Fleet* fleet) {
  if constexpr (actors::uses_fleet<Entity>::value)
    return Entity::decide(s, c, *fleet);
  else
    return Entity::decide(s, c);
}

template <class Entity>
class population {
public:
  using image = actors::entity_image<Entity>;
  using command = typename Entity::command_type;
  using block = std::vector<std::pair<std::uint32_t, command>>;

  /// `tag` tells this population's command ids from another's.
  population(std::string label, std::vector<std::string> ids, std::uint8_t tag)
      : label_(std::move(label)), ids_(std::move(ids)), images_(ids_.size()), tag_(tag) {}

  [[nodiscard]] const std::string& label() const { return label_; }
  [[nodiscard]] std::size_t size() const { return ids_.size(); }
  [[nodiscard]] const std::string& id(std::size_t i) const { return ids_[i]; }
  [[nodiscard]] const typename Entity::state_type& state(std::size_t i) const { return images_[i].state; }
  [[nodiscard]] const tally& decisions() const { return decided_; }
  [[nodiscard]] const record_arena& log() const { return log_; }
  /// What the log (values, index, owners) adds to the resident set and to the heap.
  [[nodiscard]] std::uint64_t log_resident() const {
    return log_.pages() + log_.index_touched() + owner_.size() * sizeof(std::uint32_t);
  }
  [[nodiscard]] std::uint64_t log_heap() const {
    return log_.index_allocated() + owner_.capacity() * sizeof(std::uint32_t);
  }

  /// The runtime's path for one block of commands.
  void decide_block(const block& commands, const services::fleet::view* fleet) {
    pending_.clear();
    decided_.clock.time([&] {
      for (const auto& [i, c] : commands)
        decide_one(i, c, fleet);
    });
    for (auto& [i, rec] : pending_) {
      log_.append(rec.value);
      owner_.push_back(i);
    }
    pending_.clear();
  }

  /// Writes every entity's snapshot, as the entity actor writes one, and lets
  /// each live image go once its snapshot is written (what remains of the
  /// entity is its snapshot and its events).
  void write_snapshots() {
    for (std::size_t i = 0; i < ids_.size(); ++i) {
      snapshot_clock_.time([&] {
        const auto state_bytes = Entity::write_state(images_[i].state);
        state_bytes_ += state_bytes.size();
        auto rec = actors::make_snapshot_record(Entity::kind, ids_[i], images_[i].seq, images_[i].last_hash,
                                                events_topic(), partition_id{0}, images_[i].last_event_offset,
                                                state_bytes, images_[i].processed, producer);
        snapshots_.append(rec.value);
      });
      images_[i] = image{};
      if (i % (1u << 16) == 0)
        ::malloc_trim(0);  // the images' pages back to the system as they go, not after the last
    }
    images_ = {};
  }

  /// Every entity rebuilt from its snapshot: image_of_snapshot, as recovery
  /// does after reading the record.
  void recover_from_snapshots() {
    fingerprints_.assign(ids_.size(), {});
    std::vector<image> recovered;
    for (std::size_t first = 0; first < ids_.size(); first += batch) {
      const auto last = std::min(ids_.size(), first + batch);
      recovered.clear();
      from_snapshots_.time([&] {
        for (auto i = first; i < last; ++i) {
          auto r = actors::image_of_snapshot<Entity>(ids_[i], snapshots_[i]);
          if (!r)
            throw std::runtime_error(label_ + " " + ids_[i] + ": snapshot: " + r.error().message());
          recovered.push_back(std::move(r).value());
        }
      });
      for (auto i = first; i < last; ++i)
        fingerprints_[i] = fingerprint(recovered[i - first]);
    }
  }

  /// Every entity rebuilt from all its events, from its first: fold_event
  /// over each record, as recovery replays a log. Each must come out as its
  /// snapshot recovery did.
  void replay_from_start() {
    // Each entity's records in log order (the log interleaves entities).
    std::vector<std::uint32_t> start(ids_.size() + 1, 0);
    for (auto o : owner_)
      ++start[o + 1];
    for (std::size_t i = 0; i < ids_.size(); ++i)
      start[i + 1] += start[i];
    std::vector<std::uint32_t> order(owner_.size());
    {
      auto next = start;
      for (std::uint32_t r = 0; r < owner_.size(); ++r)
        order[next[owner_[r]]++] = r;
    }
    events::envelope::decoded_envelope slot;
    std::vector<image> replayed;
    for (std::size_t first = 0; first < ids_.size(); first += batch) {
      const auto last = std::min(ids_.size(), first + batch);
      replayed.clear();
      from_events_.time([&] {
        for (auto i = first; i < last; ++i) {
          replayed.emplace_back();
          for (auto k = start[i]; k < start[i + 1]; ++k) {
            const auto at = order[k];
            const auto value = log_[at];
            if (auto d = events::envelope::decoded_envelope::decode_into(value, slot); !d)
              throw std::runtime_error(label_ + " " + ids_[i] + ": event: " + d.error().message());
            if (auto f = actors::fold_event(replayed.back(), slot.reader(), value, at); !f)
              throw std::runtime_error(label_ + " " + ids_[i] + ": replay: " + f.error().message());
          }
        }
      });
      for (auto i = first; i < last; ++i)
        if (fingerprint(replayed[i - first]) != fingerprints_[i])
          throw std::runtime_error(label_ + " " + ids_[i] + ": the replayed image differs from the snapshot's");
    }
  }

  [[nodiscard]] std::uint64_t state_bytes() const { return state_bytes_; }
  [[nodiscard]] const record_arena& snapshots() const { return snapshots_; }
  [[nodiscard]] const stopwatch& snapshot_writing() const { return snapshot_clock_; }
  [[nodiscard]] const stopwatch& snapshot_recovery() const { return from_snapshots_; }
  [[nodiscard]] const stopwatch& replay() const { return from_events_; }

  /// Lets the log and snapshots go (once every figure is taken).
  void release_logs() {
    log_.release();
    snapshots_.release();
    owner_ = {};
    fingerprints_ = {};
  }

  static constexpr std::size_t batch = 4096;
  static constexpr const char* producer = "sim-scale";

private:
  [[nodiscard]] std::string events_topic() const { return "storemesh.events." + std::string(Entity::kind); }

  void decide_one(std::uint32_t i, const command& c, const services::fleet::view* fleet) {
    ++decided_.commands;
    auto& img = images_[i];
    auto decision = decide_with<Entity>(img.state, c, fleet);
    if (!decision.accepted()) {
      ++decided_.refused[decision.why().code];
      return;
    }
    ++decided_.accepted;
    // The command's id and offset, as the intake would hand them over.
    const auto offset = static_cast<std::int64_t>(commands_seen_++);
    actors::cause why;
    why.command_id[0] = tag_;
    for (int b = 0; b < 8; ++b)
      why.command_id[8 + b] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(offset) >> (8 * b));
    why.correlation_id = actors::message_id_key(why.command_id);
    why.command_offset = offset;
    for (const auto& e : decision.events) {
      auto rec = actors::make_event_record(Entity::kind, ids_[i], img.seq + 1, img.last_hash, why, producer,
                                           [&](schema::Envelope::Builder b) { Entity::write_event(e, b); });
      const auto at = static_cast<std::int64_t>(log_.size() + pending_.size());
      if (auto d = events::envelope::decoded_envelope::decode_into(rec.value, slot_); !d)
        throw std::runtime_error(label_ + " " + ids_[i] + ": own event: " + d.error().message());
      if (auto f = actors::fold_event(img, slot_.reader(), rec.value, at); !f)
        throw std::runtime_error(label_ + " " + ids_[i] + ": fold: " + f.error().message());
      pending_.emplace_back(i, std::move(rec));
      ++decided_.events;
    }
  }

  std::string label_;
  std::vector<std::string> ids_;
  std::vector<image> images_;
  std::uint8_t tag_;
  std::uint64_t commands_seen_ = 0;
  tally decided_;
  record_arena log_;
  std::vector<std::uint32_t> owner_;  ///< per record of log_: its entity
  std::vector<std::pair<std::uint32_t, events::record>> pending_;
  events::envelope::decoded_envelope slot_;
  record_arena snapshots_;  ///< per entity, in entity order
  std::uint64_t state_bytes_ = 0;
  stopwatch snapshot_clock_, from_snapshots_, from_events_;
  std::vector<events::crypto::digest> fingerprints_;
};

/// The decider's own maximum: the same commands through decide + evolve on
/// bare states.
template <class Entity>
class reference_population {
public:
  using command = typename Entity::command_type;
  using block = std::vector<std::pair<std::uint32_t, command>>;

  explicit reference_population(std::size_t n) : states_(n) {}

  void decide_block(const block& commands, const services::fleet::view* fleet) {
    decided_.clock.time([&] {
      for (const auto& [i, c] : commands) {
        ++decided_.commands;
        auto& s = states_[i];
        auto decision = decide_with<Entity>(s, c, fleet);
        if (!decision.accepted()) {
          ++decided_.refused[decision.why().code];
          continue;
        }
        ++decided_.accepted;
        for (const auto& e : decision.events) {
          s = Entity::evolve(std::move(s), e);
          ++decided_.events;
        }
      }
    });
  }

  [[nodiscard]] const typename Entity::state_type& state(std::size_t i) const { return states_[i]; }
  [[nodiscard]] std::size_t size() const { return states_.size(); }
  [[nodiscard]] const tally& decisions() const { return decided_; }

private:
  std::vector<typename Entity::state_type> states_;
  tally decided_;
};

} // namespace storemesh::bench::sim_scale
