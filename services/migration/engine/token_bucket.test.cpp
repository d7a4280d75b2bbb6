// The throttle's arithmetic, on a clock the test moves (no sleeping).
#include "services/migration/engine/token_bucket.hpp"

#include <boost/test/unit_test.hpp>

using storemesh::services::migration::engine_detail::token_bucket;
using namespace std::chrono_literals;

namespace {
constexpr std::uint64_t rate = 1000;  // bytes per second: 1 byte = 1 ms
const token_bucket::clock::time_point t0{};
} // namespace

BOOST_AUTO_TEST_SUITE(copy_engine_token_bucket)

BOOST_AUTO_TEST_CASE(a_fresh_bucket_makes_the_first_bytes_wait) {
  token_bucket b(rate, 100, t0);
  BOOST_TEST(b.take(100, t0).count() == std::chrono::nanoseconds(100ms).count());
}

BOOST_AUTO_TEST_CASE(a_caller_that_waits_as_told_moves_exactly_the_rate) {
  token_bucket b(rate, 100, t0);
  auto now = t0;
  for (int i = 0; i < 100; ++i) now += b.take(50, now);  // 5000 bytes
  BOOST_TEST(std::chrono::duration<double>(now - t0).count() == 5.0, boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(two_takers_share_the_rate) {
  token_bucket b(rate, 100, t0);
  // Two workers asking at the same moment: the second waits for both.
  BOOST_TEST(b.take(100, t0).count() == std::chrono::nanoseconds(100ms).count());
  BOOST_TEST(b.take(100, t0).count() == std::chrono::nanoseconds(200ms).count());
}

BOOST_AUTO_TEST_CASE(an_idle_bucket_lets_no_more_than_the_burst_through) {
  token_bucket b(rate, 100, t0);
  const auto later = t0 + 1h;
  BOOST_TEST(b.take(100, later).count() == 0);
  BOOST_TEST(b.take(10, later).count() == std::chrono::nanoseconds(10ms).count());
}

BOOST_AUTO_TEST_SUITE_END()
