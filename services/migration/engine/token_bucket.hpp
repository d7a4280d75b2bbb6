#pragma once
// A token bucket: the engine's bandwidth limit (copy_spec::max_rate). Bytes
// are taken before they are read; a take that overdraws the bucket returns how
// long to sleep until the debt is paid, so the rate holds on average and the
// copy proceeds in small, evenly spaced pieces rather than in bursts.
//
// Time is passed in, so the arithmetic is tested without sleeping. Safe to
// share between the engine's worker threads.

#include <chrono>
#include <cstdint>
#include <mutex>

namespace storemesh::services::migration::engine_detail {

class token_bucket {
public:
  using clock = std::chrono::steady_clock;

  /// `rate` bytes per second (> 0); at most `burst` bytes go through without
  /// waiting after an idle period. The bucket starts empty, so the first
  /// bytes wait too.
  token_bucket(std::uint64_t rate, std::uint64_t burst, clock::time_point now);

  /// Takes n bytes at `now`; returns how long the caller must wait before
  /// using them (zero when the bucket held enough).
  [[nodiscard]] std::chrono::nanoseconds take(std::uint64_t n, clock::time_point now);

  /// take(n, clock::now()) and sleeps as long as it says.
  void acquire(std::uint64_t n);

private:
  std::mutex mutex_;
  double rate_;        // bytes per second
  double burst_;       // bytes
  double tokens_ = 0;  // may go negative: bytes granted but not yet earned
  clock::time_point last_;
};

} // namespace storemesh::services::migration::engine_detail
