#include "services/migration/engine/token_bucket.hpp"

#include <algorithm>
#include <cmath>
#include <thread>

namespace storemesh::services::migration::engine_detail {

token_bucket::token_bucket(std::uint64_t rate, std::uint64_t burst, clock::time_point now)
    : rate_(static_cast<double>(rate)), burst_(static_cast<double>(burst)), last_(now) {}

std::chrono::nanoseconds token_bucket::take(std::uint64_t n, clock::time_point now) {
  const std::lock_guard lock(mutex_);
  if (now > last_) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    last_ = now;
  }
  tokens_ -= static_cast<double>(n);
  if (tokens_ >= 0) return std::chrono::nanoseconds(0);
  return std::chrono::nanoseconds(std::llround(-tokens_ / rate_ * 1e9));
}

void token_bucket::acquire(std::uint64_t n) {
  const auto wait = take(n, clock::now());
  if (wait.count() > 0) std::this_thread::sleep_for(wait);
}

} // namespace storemesh::services::migration::engine_detail
