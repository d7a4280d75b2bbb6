#include "actors/log_writer.hpp"
#include "actors/thread_name.hpp"

#include "events/crypto/batch_seal.hpp"
#include "events/crypto/hashing.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "schemas/envelope.capnp.h"

#include <capnp/message.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <map>
#include <optional>

namespace storemesh::actors {

using events::envelope::as_data;

log_writer::log_writer(events::event_log& log, topics names, events::crypto::key_pair sealing_key,
                       std::string producer)
    : log_(log), topics_(std::move(names)), key_(std::move(sealing_key)), producer_(std::move(producer)) {
  thread_ = std::thread([this] {
    name_this_thread("sm.writer");
    run();
  });
}

log_writer::~log_writer() { stop(); }

void log_writer::submit(std::vector<append_part> parts, append_callback done) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(request{std::move(parts), std::nullopt, std::move(done)});
  }
  wake_.notify_one();
}

void log_writer::submit(std::vector<append_part> parts, events::partition_claim claim, append_callback done) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(request{std::move(parts), claim, std::move(done)});
  }
  wake_.notify_one();
}

void log_writer::set_positions(events::offsets_commit positions) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    positions_ = std::move(positions);
    positions_changed_ = true;
  }
  wake_.notify_one();
}

void log_writer::barrier() {
  std::promise<void> written;
  auto done = written.get_future();
  submit({}, [&written](result<std::vector<offset>>) { written.set_value(); });
  done.wait();
}

void log_writer::await_round_in_flight(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto target = rounds_started_;
  ++round_waiters_;
  round_done_.wait_for(lock, timeout, [&] { return rounds_done_ >= target; });
  --round_waiters_;
}

std::size_t log_writer::round_waiters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return round_waiters_;
}

void log_writer::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && !thread_.joinable())
      return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable())
    thread_.join();
}

bool log_writer::stopping() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopping_;
}

void log_writer::run() {
  std::vector<request> round;
  events::offsets_commit positions;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty() || positions_changed_; });
      if (queue_.empty() && !positions_changed_ && stopping_)
        return;
      round.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
      queue_.clear();
      positions = positions_;
      positions_changed_ = false;
      ++rounds_started_;
    }
    write_round(round, positions);
    round.clear();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      rounds_done_ = rounds_started_;
    }
    round_done_.notify_all();
  }
}

events::record log_writer::make_seal(const std::string& topic, partition_id p,
                                     const std::vector<events::record>& batch) const {
  std::vector<events::crypto::digest> hashes;
  hashes.reserve(batch.size());
  for (const auto& r : batch)
    hashes.push_back(events::crypto::record_hash(r.value));
  const auto signature = events::crypto::seal_signature(topic, p.value, hashes, key_);
  capnp::MallocMessageBuilder message(128);
  auto env = message.initRoot<schema::Envelope>();
  env.setId(as_data(events::envelope::new_message_id()));
  env.setEntityKind("seal");
  env.setEntityId(producer_);
  const auto ts = events::envelope::now_ns();
  env.setTimestampNs(ts);
  env.setProducer(producer_);
  env.getIntegrity().setNone();
  auto seal = env.getPayload().initSeal();
  seal.setPublicKey(as_data(key_.public_key().bytes));
  seal.setCount(static_cast<std::uint32_t>(batch.size()));
  seal.setSignature(as_data(signature));
  return events::record{producer_, events::envelope::to_bytes(message), ts};
}

void log_writer::drop_stale(std::vector<request>& round, events::offsets_commit& positions) {
  positions.claims.clear();
  if (positions.group == nullptr)
    return;
  std::vector<request> live;
  live.reserve(round.size());
  for (auto& r : round) {
    if (r.claim) {
      if (auto valid = positions.group->check({*r.claim}); !valid) {
        // Decided under a tenure that has ended: answered now, it cannot drag
        // the rest of the round down with it.
        if (r.done)
          r.done(valid.error());
        continue;
      }
      if (std::find(positions.claims.begin(), positions.claims.end(), *r.claim) == positions.claims.end())
        positions.claims.push_back(*r.claim);
    }
    live.push_back(std::move(r));
  }
  round = std::move(live);
}

result<std::vector<std::vector<offset>>> log_writer::append_round(std::vector<request>& round,
                                                                  const events::offsets_commit& positions) {
  // One batch per partition; remember where each part lands inside it.
  struct slot {
    std::size_t request;
    std::size_t part;
    std::size_t index_in_batch;
    std::size_t count;
  };
  struct group {
    std::vector<events::record> batch;
    std::vector<slot> slots;
  };
  std::map<std::pair<std::string, std::int32_t>, group> groups;
  for (std::size_t r = 0; r < round.size(); ++r)
    for (std::size_t i = 0; i < round[r].parts.size(); ++i) {
      auto& part = round[r].parts[i];
      auto& g = groups[{part.topic, part.partition.value}];
      g.slots.push_back(slot{r, i, g.batch.size(), part.records.size()});
      for (auto& rec : part.records)
        g.batch.push_back(std::move(rec));
      part.records.clear();
    }

  // One append_committing per round: on a transactional log (Kafka) the
  // whole round is one transaction, so a fenced or crashed daemon leaves no
  // partial round.
  std::vector<events::event_log::batch_ref> batches;
  for (auto& [where, g] : groups) {
    const partition_id p{where.second};
    if (topics_.is_sealed(where.first))
      g.batch.push_back(make_seal(where.first, p, g.batch));
    // Commands: every daemon (and the CLI) writes there; nothing here reads
    // its own commands back right after writing them.
    batches.push_back({where.first, p, &g.batch, where.first != topics_.commands()});
  }
  auto appended = log_.append_committing(batches, positions);
  if (!appended) {
    // The records go back to their requests: the round may be tried again.
    for (auto& [where, g] : groups)
      for (const auto& s : g.slots) {
        auto& records = round[s.request].parts[s.part].records;
        for (std::size_t k = 0; k < s.count; ++k)
          records.push_back(std::move(g.batch[s.index_in_batch + k]));
      }
    return appended.error();
  }
  std::vector<std::vector<offset>> firsts(round.size());
  for (std::size_t r = 0; r < round.size(); ++r)
    firsts[r].resize(round[r].parts.size());
  std::size_t i = 0;
  for (auto& [where, g] : groups) {
    for (const auto& s : g.slots)
      firsts[s.request][s.part] = offset{appended.value()[i].value + static_cast<std::int64_t>(s.index_in_batch)};
    ++i;
  }
  return firsts;
}

void log_writer::write_round(std::vector<request>& round, events::offsets_commit positions) {
  // A round the coordinator refuses because the group moved on (fenced) is
  // tried again under the membership of the next rebalance, if this member
  // learns of one soon: its tenures are checked again first, so what was
  // decided for a partition that moved (or was lost) is dropped as stale,
  // and the rest -- partitions owned throughout, commands for others -- is
  // written as decided. A rebalance then costs a retry, not a reload. Without
  // news of the group within the wait, the round is answered fenced, and the
  // intake reloads.
  const auto wait = fenced_wait();
  for (int attempt = 1;; ++attempt) {
    drop_stale(round, positions);
    const auto membership = positions.group != nullptr ? positions.group->membership_version() : 0;
    auto appended = append_round(round, positions);
    if (appended) {
      for (std::size_t r = 0; r < round.size(); ++r)
        if (round[r].done)
          round[r].done(std::move(appended.value()[r]));
      return;
    }
    const auto code = appended.error().code;
    const bool retry =
        attempt < 8 &&
        // Nothing written (a broker failed a write, the coordinator moved):
        // the same round again, after a moment.
        (code == events::log_errc::aborted ||
         // A tenure ended between the check and the append: check again.
         (positions.group != nullptr && code == events::log_errc::stale_claim) ||
         (positions.group != nullptr && code == events::log_errc::fenced &&
          positions.group->await_membership(membership, wait)));
    if (retry && code == events::log_errc::aborted)
      std::this_thread::sleep_for(std::chrono::milliseconds(100) * attempt);
    if (!retry) {
      spdlog::error("append of a round of {} requests failed: {}", round.size(), appended.error().message());
      if (broken_ != nullptr && code == events::log_errc::broker_error)
        broken_->store(true);
      for (auto& r : round)
        if (r.done)
          r.done(appended.error());
      return;
    }
    spdlog::info("append refused ({}); trying again under the group's new membership", appended.error().message());
    std::lock_guard<std::mutex> lock(mutex_);
    // The intake may have moved its positions meanwhile (partitions revoked).
    positions.next = positions_.next;
  }
}

} // namespace storemesh::actors
