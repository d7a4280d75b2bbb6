#pragma once
// The phi-accrual failure detector (Hayashibara, Défago, Yared, Katayama,
// "The phi accrual failure detector", SRDS 2004), as Akka
// (akka.remote.PhiAccrualFailureDetector) and Cassandra implement it.
//
// Instead of "dead after T without a heartbeat", it says how suspicious the
// silence is, given how heartbeats have arrived so far:
//
//   phi(now) = -log10(1 - F(now - last))
//
// where F is the cumulative distribution of the inter-arrival times seen, taken
// as normal with the window's mean (plus an acceptable pause) and standard
// deviation (at least a minimum). phi = 1 means a 10% chance that a heartbeat
// still comes, phi = 8 one in 10^8. A peer whose heartbeats jitter has a wide
// distribution, so the same silence is less suspicious than from a steady one:
// a fixed threshold on phi adapts the timeout to each link.
//
// F uses the logistic approximation of the normal CDF that Akka uses
// (Bowling et al., "A logistic approximation to the cumulative normal
// distribution", 2009; error below 1.4e-4):
//
//   y = (t - mean) / stddev
//   e = exp(-y * (1.5976 + 0.070566 * y^2))         (e = (1 - F) / F)
//   phi = -log10(e / (1 + e))        when t > mean  (1 - F = e / (1 + e);
//                                                      computed as (a + ln(1 + e)) / ln 10
//                                                      with e = exp(-a): finite however long
//                                                      the silence)
//   phi = -log10(1 - 1 / (1 + e))    otherwise       (same, the other way round,
//                                                      for precision)
//
// Before its first heartbeat a peer is unknown: phi = 0 (nothing to suspect
// yet; the director does not report a peer it never heard). The first
// heartbeat only sets the arrival time; the window starts with two made-up
// intervals of first_heartbeat_estimate +- a quarter of it, as Akka does, so
// that phi is meaningful from the second heartbeat on.
//
// Time is an argument (ns, any monotonic clock): the detector reads no clock.
// Not thread-safe: one detector per peer, owned by one actor or thread.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace storemesh::services::cluster {

struct phi_settings {
  std::size_t max_samples = 1000;                ///< the window of inter-arrival times
  std::int64_t min_std_dev_ns = 100'000'000;     ///< stddev is at least this (Akka: 100 ms)
  std::int64_t acceptable_pause_ns = 0;          ///< added to the mean: pauses (GC, a busy machine) not suspected
  std::int64_t first_heartbeat_estimate_ns = 1'000'000'000;  ///< the expected interval before any is seen
};

class phi_accrual {
public:
  explicit phi_accrual(phi_settings s = {});

  /// A heartbeat arrived at `now_ns`. Arrivals not later than the last one
  /// (a reordered or duplicated heartbeat) are ignored.
  void heartbeat(std::int64_t now_ns);

  /// The suspicion level at `now_ns`; 0 before the first heartbeat.
  [[nodiscard]] double phi(std::int64_t now_ns) const;

  /// phi(now_ns) >= threshold.
  [[nodiscard]] bool suspects(std::int64_t now_ns, double threshold) const { return phi(now_ns) >= threshold; }

  [[nodiscard]] std::optional<std::int64_t> last_heartbeat_ns() const { return last_; }
  /// The distribution phi uses: the window's mean + the acceptable pause, and
  /// its stddev, at least the minimum (ns).
  [[nodiscard]] double mean_ns() const;
  [[nodiscard]] double std_dev_ns() const;
  [[nodiscard]] std::size_t samples() const { return intervals_.size(); }

  /// The formula on its own: phi after `elapsed_ns` of silence, for a normal
  /// distribution of inter-arrival times with this mean and stddev.
  [[nodiscard]] static double phi_of(double elapsed_ns, double mean_ns, double std_dev_ns);

private:
  void add(double interval_ns);

  phi_settings settings_;
  std::optional<std::int64_t> last_;
  std::deque<double> intervals_;
  double sum_ = 0;
  double sum_sq_ = 0;
};

} // namespace storemesh::services::cluster
