#include "events/replay/decode_stage.hpp"

#include "schemas/envelope.capnp.h"

#include <algorithm>
#include <cstring>
#include <functional>

namespace storemesh::events::replay {

std::uint64_t entity_hash(std::string_view kind, std::string_view id) {
  const std::uint64_t k = std::hash<std::string_view>{}(kind);
  const std::uint64_t i = std::hash<std::string_view>{}(id);
  return i ^ (k * 0x9E3779B97F4A7C15ULL + (i << 6) + (i >> 2));
}

decode_stage::decode_stage(bool parallel) {
  if (parallel) worker_ = std::thread([this] { work(); });
}

decode_stage::~decode_stage() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (worker_.joinable()) worker_.join();
}

void decode_stage::start(const std::vector<record_view>& records) {
  // The worker must be out of the previous batch before its state is reused.
  while (worker_.joinable() && idle_.load(std::memory_order_acquire) != generation_) std::this_thread::yield();
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
  if (worker_.joinable() && chunks_ > 1) {
    {
      std::lock_guard<std::mutex> lock(mutex_);  // publishes everything above
      ++generation_;
    }
    wake_.notify_one();
  }
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
  for (std::size_t i = c * chunk; i < end; ++i) {
    decoded_record& out = *slots_[i];
    const std::string_view value = records[i].value;
    auto decoded = envelope::decoded_envelope::decode_into(value, out.envelope);
    out.decoded = static_cast<bool>(decoded);
    if (!out.decoded) {
      out.error = decoded.error().message();
      out.hash = crypto::record_hash(value);  // a seal covers it all the same
      continue;
    }
    const auto& env = out.envelope;
    if (env.payload_which() == schema::Envelope::Payload::SEAL) continue;
    out.hash = crypto::record_hash(value);
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
}

void decode_stage::defer(std::function<void()> job) {
  if (!worker_.joinable()) return job();
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
      }
    }
    if (batch) {
      while (help()) {
      }
      idle_.store(seen, std::memory_order_release);
    }
    // One side job at a time: a new batch's chunks come first.
    (void)side_job();
  }
}

} // namespace storemesh::events::replay
