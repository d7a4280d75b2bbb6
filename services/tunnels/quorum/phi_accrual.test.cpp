#include "services/tunnels/quorum/phi_accrual.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>

using namespace storemesh::services::cluster;

namespace {

constexpr std::int64_t ms = 1'000'000;

phi_settings settings() {
  phi_settings s;
  s.max_samples = 1000;
  s.min_std_dev_ns = 10 * ms;
  s.acceptable_pause_ns = 0;
  s.first_heartbeat_estimate_ns = 100 * ms;
  return s;
}

/// The silence after which phi reaches `threshold`, from the formula alone:
/// phi = -log10(e / (1 + e)) with e = exp(-a), a = y (1.5976 + 0.070566 y^2),
/// so a = ln((1 - p) / p) with p = 10^-phi, and y solves the cubic
/// 0.070566 y^3 + 1.5976 y - a = 0 (one real root: Cardano).
double silence_for(double threshold, double mean, double std_dev) {
  const double p = std::pow(10.0, -threshold);
  const double a = std::log((1 - p) / p);
  const double P = 1.5976 / 0.070566, Q = -a / 0.070566;  // y^3 + P y + Q = 0
  const double r = std::sqrt(Q * Q / 4 + P * P * P / 27);
  const double y = std::cbrt(-Q / 2 + r) + std::cbrt(-Q / 2 - r);
  return mean + y * std_dev;
}

/// Heartbeats every `interval` (+ jitter(i)), n of them, the last at the returned time.
template <class Jitter>
std::int64_t feed(phi_accrual& d, int n, std::int64_t interval, Jitter jitter) {
  std::int64_t t = 1'000'000'000;
  for (int i = 0; i < n; ++i) {
    t += interval + jitter(i);
    d.heartbeat(t);
  }
  return t;
}

} // namespace

BOOST_AUTO_TEST_SUITE(phi_accrual_detector)

BOOST_AUTO_TEST_CASE(a_peer_never_heard_is_not_suspected) {
  phi_accrual d(settings());
  BOOST_TEST(d.phi(123456789) == 0.0);
  BOOST_TEST(!d.suspects(123456789, 1.0));
}

BOOST_AUTO_TEST_CASE(regular_heartbeats_keep_phi_low) {
  phi_accrual d(settings());
  const auto last = feed(d, 200, 100 * ms, [](int) { return 0; });
  // Asked between heartbeats, up to the expected interval: phi stays well below 1.
  for (std::int64_t t = 0; t <= 100 * ms; t += 10 * ms)
    BOOST_TEST(d.phi(last + t) < 1.0, "phi at +" << t / ms << " ms is " << d.phi(last + t));
  BOOST_TEST(!d.suspects(last + 100 * ms, 8.0));
}

BOOST_AUTO_TEST_CASE(silence_makes_phi_cross_the_threshold_when_the_formula_says) {
  phi_accrual d(settings());
  const auto last = feed(d, 200, 100 * ms, [](int) { return 0; });
  // 200 intervals of 100 ms and the two made-up ones (75 and 125 ms): mean
  // 100 ms, stddev about 1.7 ms, so the minimum (10 ms) applies.
  BOOST_TEST(std::abs(d.mean_ns() - 100.0 * ms) < 1.0);
  BOOST_TEST(d.std_dev_ns() == 10.0 * ms);
  const double threshold = 8.0;
  const double at = silence_for(threshold, d.mean_ns(), d.std_dev_ns());
  BOOST_TEST_MESSAGE("phi reaches 8 after " << at / ms << " ms of silence");
  BOOST_TEST(at > 150.0 * ms);
  BOOST_TEST(at < 160.0 * ms);
  BOOST_TEST(!d.suspects(last + static_cast<std::int64_t>(at) - ms / 10, threshold));
  BOOST_TEST(d.suspects(last + static_cast<std::int64_t>(at) + ms / 10, threshold));
  BOOST_TEST(std::abs(d.phi(last + static_cast<std::int64_t>(at)) - threshold) < 0.01);
  // And it keeps growing, finite however long the silence.
  double before = d.phi(last + static_cast<std::int64_t>(at));
  for (std::int64_t t = 200 * ms; t <= 100'000 * ms; t *= 2) {
    const double now = d.phi(last + t);
    BOOST_TEST(now > before);
    BOOST_TEST(std::isfinite(now));
    before = now;
  }
}

BOOST_AUTO_TEST_CASE(jittery_heartbeats_need_a_longer_silence_than_steady_ones) {
  phi_accrual steady(settings()), jittery(settings());
  const auto s_last = feed(steady, 500, 100 * ms, [](int) { return 0; });
  // The same mean interval, +-40 ms.
  const auto j_last = feed(jittery, 500, 100 * ms, [](int i) { return (i % 2 ? 40 : -40) * ms; });
  BOOST_TEST(std::abs(jittery.mean_ns() - steady.mean_ns()) < 0.5 * ms);
  BOOST_TEST(jittery.std_dev_ns() > 35.0 * ms);
  const double threshold = 8.0;
  const double s_at = silence_for(threshold, steady.mean_ns(), steady.std_dev_ns());
  const double j_at = silence_for(threshold, jittery.mean_ns(), jittery.std_dev_ns());
  BOOST_TEST_MESSAGE("phi 8 after " << s_at / ms << " ms (steady), " << j_at / ms << " ms (jittery)");
  BOOST_TEST(j_at > 2 * s_at - 100.0 * ms);  // the tail beyond the mean is far longer
  // At the silence that condemns the steady peer, the jittery one is not suspected.
  const auto silence = static_cast<std::int64_t>(s_at) + ms;
  BOOST_TEST(steady.suspects(s_last + silence, threshold));
  BOOST_TEST(!jittery.suspects(j_last + silence, threshold));
  BOOST_TEST(jittery.suspects(j_last + static_cast<std::int64_t>(j_at) + ms, threshold));
}

BOOST_AUTO_TEST_CASE(the_acceptable_pause_shifts_the_threshold_by_itself) {
  auto with_pause = settings();
  with_pause.acceptable_pause_ns = 500 * ms;
  phi_accrual plain(settings()), paused(with_pause);
  const auto last = feed(plain, 100, 100 * ms, [](int) { return 0; });
  feed(paused, 100, 100 * ms, [](int) { return 0; });
  const double p = silence_for(8.0, plain.mean_ns(), plain.std_dev_ns());
  const double q = silence_for(8.0, paused.mean_ns(), paused.std_dev_ns());
  BOOST_TEST(std::abs((q - p) - 500.0 * ms) < 1.0);
  BOOST_TEST(plain.suspects(last + static_cast<std::int64_t>(p) + ms, 8.0));
  BOOST_TEST(!paused.suspects(last + static_cast<std::int64_t>(p) + ms, 8.0));
}

BOOST_AUTO_TEST_CASE(the_window_is_bounded_and_forgets_old_intervals) {
  auto small = settings();
  small.max_samples = 10;
  phi_accrual d(small);
  auto last = feed(d, 50, 500 * ms, [](int) { return 0; });
  BOOST_TEST(d.samples() == 10u);
  BOOST_TEST(std::abs(d.mean_ns() - 500.0 * ms) < 1.0);
  // Ten faster heartbeats replace every old interval.
  for (int i = 0; i < 10; ++i)
    d.heartbeat(last += 100 * ms);
  BOOST_TEST(d.samples() == 10u);
  BOOST_TEST(std::abs(d.mean_ns() - 100.0 * ms) < 1.0);
}

BOOST_AUTO_TEST_CASE(a_late_or_repeated_heartbeat_is_ignored) {
  phi_accrual d(settings());
  const auto last = feed(d, 20, 100 * ms, [](int) { return 0; });
  const auto n = d.samples();
  d.heartbeat(last);
  d.heartbeat(last - 50 * ms);
  BOOST_TEST(d.samples() == n);
  BOOST_TEST(*d.last_heartbeat_ns() == last);
}

BOOST_AUTO_TEST_CASE(the_logistic_formula_matches_the_normal_tail) {
  // At the mean, 1 - F = 1/2: phi = log10(2). One and two stddevs out, the
  // logistic form is within 1.4e-4 of the normal CDF (0.158655, 0.0227501).
  BOOST_TEST(std::abs(phi_accrual::phi_of(100, 100, 10) - std::log10(2.0)) < 1e-9);
  BOOST_TEST(std::abs(std::pow(10.0, -phi_accrual::phi_of(110, 100, 10)) - 0.158655) < 1.4e-4);
  BOOST_TEST(std::abs(std::pow(10.0, -phi_accrual::phi_of(120, 100, 10)) - 0.0227501) < 1.4e-4);
  BOOST_TEST(phi_accrual::phi_of(50, 100, 10) < 1e-3);
}

BOOST_AUTO_TEST_SUITE_END()
