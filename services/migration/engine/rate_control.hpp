#pragma once
// The throttle of one running copy, changeable while it runs: the copy
// engine's workers take bytes from it piece by piece; whoever controls the
// copy (the host's agent, following the job's `throttled` events) sets a new
// plan, and a worker waiting for its bytes takes them again under the new one
// at once -- a copy held at 1 KiB/s moves on as soon as its rate is raised.
//
//   rate_plan{rate}                 : RATE for every byte (0 = unthrottled)
//   rate_plan{rate, until, then}    : RATE below offset UNTIL, THEN from it on
//
// cancel() makes every waiting and later acquire() fail at once: a run that
// is abandoned (its job moved on, the daemon stops) does not wait for a
// throttled chunk to end. Safe to share between the engine's worker threads
// and the controlling thread.

#include "services/migration/engine/token_bucket.hpp"

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

namespace storemesh::services::migration {

namespace engine_detail {
/// Bytes per read/write (and per take) at MAX_RATE: io_block, or less when
/// throttled so that a throttled copy moves in small, even steps.
[[nodiscard]] std::uint64_t piece_size(std::uint64_t max_rate);
} // namespace engine_detail

struct rate_plan {
  std::uint64_t rate = 0;   ///< bytes per second below `until` (everywhere if until is 0); 0 = unthrottled
  std::uint64_t until = 0;  ///< 0: no second rate
  std::uint64_t then = 0;   ///< bytes per second from `until` on; 0 = unthrottled
  friend bool operator==(const rate_plan& a, const rate_plan& b) {
    return a.rate == b.rate && a.until == b.until && a.then == b.then;
  }
  friend bool operator!=(const rate_plan& a, const rate_plan& b) { return !(a == b); }
  /// The rate that applies to the byte at POS.
  [[nodiscard]] std::uint64_t rate_at(std::uint64_t pos) const { return until > 0 && pos >= until ? then : rate; }
};

class rate_control {
public:
  explicit rate_control(rate_plan plan = {});

  /// The plan from now on; the same plan again changes nothing (the buckets
  /// keep their pace). Bytes waited for under the old plan are taken again
  /// under the new one.
  void set(const rate_plan& plan);
  [[nodiscard]] rate_plan plan() const;

  /// Waits until N bytes starting at POS may be copied; false once cancelled.
  [[nodiscard]] bool acquire(std::uint64_t pos, std::uint64_t n);
  /// How many bytes to copy at POS in one step: small when throttled, so the
  /// copy moves in small, even steps (engine_detail::piece_size).
  [[nodiscard]] std::uint64_t piece_at(std::uint64_t pos) const;

  void cancel();
  [[nodiscard]] bool cancelled() const;

private:
  using clock = engine_detail::token_bucket::clock;
  /// The bucket for POS under the current plan; null when unthrottled there.
  engine_detail::token_bucket* bucket_for(std::uint64_t pos);
  void rebuild(clock::time_point now);

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  rate_plan plan_;
  std::uint64_t generation_ = 0;  ///< bumped by every change of plan and by cancel
  bool cancelled_ = false;
  std::unique_ptr<engine_detail::token_bucket> below_, from_;  ///< below `until` (or everywhere), from it on
};

} // namespace storemesh::services::migration
