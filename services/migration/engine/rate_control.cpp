#include "services/migration/engine/rate_control.hpp"

#include "services/migration/engine/chunk_plan.hpp"

#include <algorithm>

namespace storemesh::services::migration {

std::uint64_t engine_detail::piece_size(std::uint64_t max_rate) {
  // 16 steps a second when throttled: smooth on the wire, and a 250 ms
  // progress report always has fresh bytes to show. Never below a page.
  constexpr std::uint64_t steps_per_second = 16;
  constexpr std::uint64_t min_piece = 4096;
  if (max_rate == 0) return io_block;
  return std::clamp(max_rate / steps_per_second, min_piece, io_block);
}

rate_control::rate_control(rate_plan plan) : plan_(plan) { rebuild(clock::now()); }

void rate_control::rebuild(clock::time_point now) {
  // Fresh buckets start empty: the first piece under a new rate waits its
  // share, so a raise never lets a burst through.
  auto make = [&](std::uint64_t rate) {
    return rate == 0 ? nullptr
                     : std::make_unique<engine_detail::token_bucket>(rate, engine_detail::piece_size(rate), now);
  };
  below_ = make(plan_.rate);
  from_ = plan_.until > 0 ? make(plan_.then) : nullptr;
}

void rate_control::set(const rate_plan& plan) {
  {
    const std::lock_guard lock(mutex_);
    if (plan == plan_)
      return;
    plan_ = plan;
    rebuild(clock::now());
    ++generation_;
  }
  changed_.notify_all();
}

rate_plan rate_control::plan() const {
  const std::lock_guard lock(mutex_);
  return plan_;
}

engine_detail::token_bucket* rate_control::bucket_for(std::uint64_t pos) {
  return plan_.until > 0 && pos >= plan_.until ? from_.get() : below_.get();
}

bool rate_control::acquire(std::uint64_t pos, std::uint64_t n) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (cancelled_)
      return false;
    auto* bucket = bucket_for(pos);
    if (bucket == nullptr)
      return true;
    const auto now = clock::now();
    const auto deadline = now + bucket->take(n, now);
    const auto generation = generation_;
    changed_.wait_until(lock, deadline, [&] { return generation_ != generation || clock::now() >= deadline; });
    if (generation_ == generation)
      return true;  // waited its share
    // Cancelled, or a new plan: its buckets decide how long these bytes wait.
  }
}

std::uint64_t rate_control::piece_at(std::uint64_t pos) const {
  const std::lock_guard lock(mutex_);
  return engine_detail::piece_size(plan_.rate_at(pos));
}

void rate_control::cancel() {
  {
    const std::lock_guard lock(mutex_);
    cancelled_ = true;
    ++generation_;
  }
  changed_.notify_all();
}

bool rate_control::cancelled() const {
  const std::lock_guard lock(mutex_);
  return cancelled_;
}

} // namespace storemesh::services::migration
