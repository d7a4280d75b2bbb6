#include "services/tunnels/quorum/phi_accrual.hpp"

#include <algorithm>
#include <cmath>

namespace storemesh::services::cluster {

phi_accrual::phi_accrual(phi_settings s) : settings_(s) {
  settings_.max_samples = std::max<std::size_t>(settings_.max_samples, 2);
}

void phi_accrual::add(double interval_ns) {
  intervals_.push_back(interval_ns);
  sum_ += interval_ns;
  sum_sq_ += interval_ns * interval_ns;
  if (intervals_.size() > settings_.max_samples) {
    const double old = intervals_.front();
    intervals_.pop_front();
    sum_ -= old;
    sum_sq_ -= old * old;
  }
}

void phi_accrual::heartbeat(std::int64_t now_ns) {
  if (!last_) {
    // Akka's bootstrap: two intervals around the estimate, so that the
    // second heartbeat already meets a distribution of sensible width.
    const double mean = static_cast<double>(settings_.first_heartbeat_estimate_ns);
    const double dev = mean / 4;
    add(mean - dev);
    add(mean + dev);
    last_ = now_ns;
    return;
  }
  if (now_ns <= *last_)
    return;
  add(static_cast<double>(now_ns - *last_));
  last_ = now_ns;
}

double phi_accrual::mean_ns() const {
  const double n = static_cast<double>(intervals_.size());
  const double mean = n > 0 ? sum_ / n : static_cast<double>(settings_.first_heartbeat_estimate_ns);
  return mean + static_cast<double>(settings_.acceptable_pause_ns);
}

double phi_accrual::std_dev_ns() const {
  const double n = static_cast<double>(intervals_.size());
  double dev = 0;
  if (n > 0) {
    const double mean = sum_ / n;
    // Running sums lose a little precision; a variance below 0 is rounding.
    dev = std::sqrt(std::max(0.0, sum_sq_ / n - mean * mean));
  }
  return std::max(dev, static_cast<double>(settings_.min_std_dev_ns));
}

double phi_accrual::phi_of(double elapsed_ns, double mean_ns, double std_dev_ns) {
  const double y = (elapsed_ns - mean_ns) / std_dev_ns;
  const double a = y * (1.5976 + 0.070566 * y * y);
  const double e = std::exp(-a);
  // -log10(e / (1 + e)) = (a + ln(1 + e)) / ln 10: the same value, but finite
  // where e underflows to 0 after a long silence (Akka's form gives infinity).
  if (elapsed_ns > mean_ns)
    return (a + std::log1p(e)) / std::log(10.0);
  return -std::log10(1.0 - 1.0 / (1.0 + e));
}

double phi_accrual::phi(std::int64_t now_ns) const {
  if (!last_)
    return 0;
  const double elapsed = static_cast<double>(std::max<std::int64_t>(0, now_ns - *last_));
  return phi_of(elapsed, mean_ns(), std_dev_ns());
}

} // namespace storemesh::services::cluster
