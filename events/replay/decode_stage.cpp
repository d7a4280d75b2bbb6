#include "events/replay/decode_stage.hpp"

#include "events/crypto/record_hashes.hpp"

#include "schemas/envelope.capnp.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>

namespace storemesh::events::replay {

std::uint64_t entity_hash(std::string_view kind, std::string_view id) {
  const std::uint64_t k = std::hash<std::string_view>{}(kind);
  const std::uint64_t i = std::hash<std::string_view>{}(id);
  return i ^ (k * 0x9E3779B97F4A7C15ULL + (i << 6) + (i >> 2));
}

decode_stage::decode_stage(unsigned workers) {
  for (unsigned i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
}

decode_stage::~decode_stage() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

void decode_stage::start(const std::vector<record_view>& records) {
  // No worker may be inside the previous batch while its state is replaced
  // (one still in it has only its last chunk's flag to set).
  std::unique_lock<std::mutex> lock(mutex_);
  while (busy_.load(std::memory_order_acquire) != 0) {
    lock.unlock();
    std::this_thread::yield();
    lock.lock();
  }
  records_ = &records;
  while (slots_.size() < records.size()) slots_.push_back(std::make_unique<decoded_record>());
  chunks_ = (records.size() + chunk - 1) / chunk;
  if (chunks_ > done_capacity_) {
    done_capacity_ = std::max(chunks_, done_capacity_ * 2);
    done_ = std::make_unique<std::atomic<std::uint8_t>[]>(done_capacity_);
  }
  for (std::size_t c = 0; c < chunks_; ++c) done_[c].store(0, std::memory_order_relaxed);
  next_chunk_.store(0, std::memory_order_relaxed);
  cursor_ = 0;
  if (workers_.empty() || chunks_ < 2) return;  // nothing to share
  ++generation_;  // under mutex_: publishes everything above
  lock.unlock();
  wake_.notify_all();
}

decoded_record* decode_stage::next() {
  if (records_ == nullptr || cursor_ >= records_->size()) return nullptr;
  const std::size_t c = cursor_ / chunk;
  while (done_[c].load(std::memory_order_acquire) == 0) {
    if (!help()) std::this_thread::yield();  // the worker has it: wait for it
  }
  return slots_[cursor_++].get();
}

bool decode_stage::help() {
  const std::size_t c = next_chunk_.fetch_add(1, std::memory_order_relaxed);
  if (c >= chunks_) return false;
  process(c);
  done_[c].store(1, std::memory_order_release);
  return true;
}

void decode_stage::process(std::size_t c) {
  const auto& records = *records_;
  const std::size_t end = std::min(records.size(), (c + 1) * chunk);
  // The values to hash, hashed together once the chunk is decoded.
  std::array<std::string_view, chunk> values;
  std::array<std::size_t, chunk> owners;
  std::array<crypto::digest, chunk> hashes;
  std::size_t hashed = 0;
  for (std::size_t i = c * chunk; i < end; ++i) {
    decoded_record& out = *slots_[i];
    const std::string_view value = records[i].value;
    auto decoded = envelope::decoded_envelope::decode_into(value, out.envelope);
    out.decoded = static_cast<bool>(decoded);
    if (!out.decoded) {
      out.error = decoded.error().message();
      values[hashed] = value;  // a seal covers it all the same
      owners[hashed++] = i;
      continue;
    }
    const auto& env = out.envelope;
    if (env.payload_which() == schema::Envelope::Payload::SEAL) continue;
    values[hashed] = value;
    owners[hashed++] = i;
    out.entity_hash = entity_hash(env.entity_kind(), env.entity_id());
    out.key_is_entity = records[i].key == env.entity_id();
    const auto root = env.reader();
    const auto integrity = root.getIntegrity();
    out.event = integrity.isEvent();
    if (!out.event) continue;
    out.sequence = root.getSequence();
    const auto prev = integrity.getEvent().getPrevHash();
    out.prev_hash_sized = prev.size() == out.prev_hash.size();
    if (out.prev_hash_sized) std::memcpy(out.prev_hash.data(), prev.begin(), prev.size());
  }
  crypto::record_hashes(values.data(), hashed, hashes.data());
  for (std::size_t k = 0; k < hashed; ++k) slots_[owners[k]]->hash = hashes[k];
}

void decode_stage::defer(std::function<void()> job) {
  if (workers_.empty()) return job();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

bool decode_stage::side_job() {
  std::function<void()> job;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (jobs_.empty()) return false;
    job = std::move(jobs_.front());
    jobs_.pop_front();
    running_jobs_.fetch_add(1, std::memory_order_relaxed);
  }
  job();
  running_jobs_.fetch_sub(1, std::memory_order_release);
  return true;
}

void decode_stage::drain() {
  while (side_job()) {
  }
  while (running_jobs_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
}

void decode_stage::work() {
  std::uint64_t seen = 0;
  for (;;) {
    bool batch = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen || !jobs_.empty(); });
      if (stopping_) return;
      if (generation_ != seen) {
        seen = generation_;
        batch = true;
        busy_.fetch_add(1, std::memory_order_relaxed);  // under mutex_: start() sees it
      }
    }
    if (batch) {
      while (help()) {
      }
      busy_.fetch_sub(1, std::memory_order_release);
    }
    // One side job at a time: a new batch's chunks come first.
    (void)side_job();
  }
}

} // namespace storemesh::events::replay
