// The intake's checkers (actors/fork_join_pool.hpp): every item exactly once,
// on more than one thread when there are helpers, whatever the grain.

#include "actors/fork_join_pool.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

using storemesh::actors::fork_join_pool;

BOOST_AUTO_TEST_SUITE(fork_join_pool_suite)

BOOST_AUTO_TEST_CASE(every_item_runs_exactly_once) {
  for (unsigned threads : {1u, 2u, 4u}) {
    fork_join_pool pool("test.pool", threads);
    BOOST_TEST(pool.threads() == threads);
    for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 1000u})
      for (std::size_t grain : {1u, 8u, 64u}) {
        std::vector<std::atomic<int>> seen(n);
        pool.for_each(n, grain, [&](std::size_t i) { seen[i].fetch_add(1); });
        for (std::size_t i = 0; i < n; ++i)
          BOOST_TEST(seen[i].load() == 1, "item " << i << " of " << n << ", grain " << grain << ", " << threads
                                                  << " threads");
      }
  }
}

BOOST_AUTO_TEST_CASE(the_helpers_share_the_work) {
  fork_join_pool pool("test.pool", 3);
  std::mutex m;
  std::set<std::thread::id> who;
  // Each item waits until a second thread has joined in (or gives up after a
  // bound): on a pool that ran everything on the caller this never happens.
  std::atomic<int> in_flight{0}, overlapped{0};
  pool.for_each(64, 1, [&](std::size_t) {
    {
      std::lock_guard<std::mutex> lock(m);
      who.insert(std::this_thread::get_id());
    }
    in_flight.fetch_add(1);
    for (int spin = 0; spin < 2000000 && in_flight.load() < 2; ++spin)
      std::this_thread::yield();
    if (in_flight.load() >= 2)
      overlapped.fetch_add(1);
    in_flight.fetch_sub(1);
  });
  BOOST_TEST(who.size() >= 2u);
  BOOST_TEST(overlapped.load() > 0);
}

BOOST_AUTO_TEST_SUITE_END()
