#include "actors/log_writer.hpp"
#include "actors/thread_name.hpp"

#include "events/crypto/batch_seal.hpp"
#include "events/crypto/hashing.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "schemas/envelope.capnp.h"

#include <capnp/message.h>
#include <spdlog/spdlog.h>

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
    queue_.push_back(request{std::move(parts), std::move(done)});
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
    }
    write_round(round, positions);
    round.clear();
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

void log_writer::write_round(std::vector<request>& round, const events::offsets_commit& positions) {
  // One batch per partition; remember where each part lands inside it.
  struct slot {
    std::size_t request;
    std::size_t part;
    std::size_t index_in_batch;
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
      g.slots.push_back(slot{r, i, g.batch.size()});
      for (auto& rec : part.records)
        g.batch.push_back(std::move(rec));
    }

  std::vector<std::vector<offset>> firsts(round.size());
  std::vector<std::optional<error>> failures(round.size());
  for (std::size_t r = 0; r < round.size(); ++r)
    firsts[r].resize(round[r].parts.size());

  // One append_all per round: on a transactional log (Kafka) the whole round
  // is one transaction, so a fenced or crashed daemon leaves no partial round.
  std::vector<events::event_log::batch_ref> batches;
  for (auto& [where, g] : groups) {
    const partition_id p{where.second};
    if (topics_.is_sealed(where.first))
      g.batch.push_back(make_seal(where.first, p, g.batch));
    batches.push_back({where.first, p, &g.batch});
  }
  auto appended = log_.append_committing(batches, positions);
  if (!appended)
    spdlog::error("append of {} batches failed: {}", batches.size(), appended.error().message());
  else if (batches.empty())
    appended.value().clear();
  std::size_t i = 0;
  for (auto& [where, g] : groups) {
    for (const auto& s : g.slots) {
      if (appended)
        firsts[s.request][s.part] =
            offset{appended.value()[i].value + static_cast<std::int64_t>(s.index_in_batch)};
      else
        failures[s.request] = appended.error();
    }
    ++i;
  }

  for (std::size_t r = 0; r < round.size(); ++r) {
    if (!round[r].done)
      continue;
    if (failures[r])
      round[r].done(*failures[r]);
    else
      round[r].done(std::move(firsts[r]));
  }
}

} // namespace storemesh::actors
