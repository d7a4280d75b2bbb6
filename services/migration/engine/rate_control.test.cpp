// The throttle of a running copy: held at a crawl, it moves on when raised
// and stops when cancelled, without waiting out the old rate. Nothing here
// depends on timing: each wait that matters would last an hour or more at
// the old rate, and is bounded only so that a bug fails instead of hanging.
#include "services/migration/engine/rate_control.hpp"

#include "services/migration/engine/chunk_plan.hpp"

#include "services/migration/engine/engine_test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <condition_variable>
#include <future>
#include <mutex>

using namespace storemesh;
using namespace storemesh::services::migration;
using namespace storemesh::services::migration::engine_testing;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t hold = 1024;       // the slowest throttle: 1 KiB/s
constexpr std::uint64_t hour_at_hold = 3600 * hold;
constexpr auto bound = 120s;               // far beyond any scheduling delay, far below the hour

/// Progress of a copy running on another thread, waited for by offset.
struct progress_board {
  std::mutex mutex;
  std::condition_variable moved;
  std::vector<progress> reports;
  std::vector<chunk_hash> hashes;

  std::function<void(const progress&)> callback() {
    return [this](const progress& p) {
      {
        const std::lock_guard lock(mutex);
        reports.push_back(p);
        hashes.insert(hashes.end(), p.new_hashes.begin(), p.new_hashes.end());
      }
      moved.notify_all();
    };
  }
  /// Until a report reaches OFFSET (false if the bound passes first).
  bool wait_for(std::uint64_t offset) {
    std::unique_lock lock(mutex);
    return moved.wait_for(lock, bound, [&] { return !reports.empty() && reports.back().offset >= offset; });
  }
  std::uint64_t offset() {
    const std::lock_guard lock(mutex);
    return reports.empty() ? 0 : reports.back().offset;
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(copy_engine_rate_control)

BOOST_AUTO_TEST_CASE(a_plan_gives_each_offset_its_rate) {
  const rate_plan plain{4096};
  BOOST_TEST(plain.rate_at(0) == 4096u);
  BOOST_TEST(plain.rate_at(1u << 30) == 4096u);
  const rate_plan held{0, 100, hold};
  BOOST_TEST(held.rate_at(99) == 0u);
  BOOST_TEST(held.rate_at(100) == hold);
  rate_control rc(held);
  BOOST_TEST(rc.piece_at(0) == engine_detail::io_block);  // unthrottled: whole io blocks
  BOOST_TEST(rc.piece_at(100) == 4096u);                   // at a crawl: a page at a time
}

BOOST_AUTO_TEST_CASE(unthrottled_bytes_are_taken_at_once) {
  rate_control rc(rate_plan{0, 100, hold});
  BOOST_TEST(rc.acquire(0, hour_at_hold));  // below `until`: unthrottled (else an hour)
}

BOOST_AUTO_TEST_CASE(a_worker_waiting_at_a_crawl_moves_on_when_the_rate_is_raised) {
  rate_control rc(rate_plan{hold});
  auto waiting = std::async(std::launch::async, [&] { return rc.acquire(0, hour_at_hold); });
  // Whether the worker has begun to wait or not, the raise decides: an hour
  // at the old rate, no time at the new one.
  rc.set(rate_plan{0});
  BOOST_REQUIRE(waiting.wait_for(bound) == std::future_status::ready);
  BOOST_TEST(waiting.get());
}

BOOST_AUTO_TEST_CASE(cancelling_ends_every_wait_and_refuses_later_ones) {
  rate_control rc(rate_plan{hold});
  auto waiting = std::async(std::launch::async, [&] { return rc.acquire(0, hour_at_hold); });
  rc.cancel();
  BOOST_REQUIRE(waiting.wait_for(bound) == std::future_status::ready);
  BOOST_TEST(!waiting.get());
  BOOST_TEST(rc.cancelled());
  BOOST_TEST(!rc.acquire(0, 1));
}

BOOST_AUTO_TEST_CASE(setting_the_same_plan_changes_nothing) {
  rate_control rc(rate_plan{hold, 100, 0});
  rc.set(rate_plan{hold, 100, 0});
  BOOST_CHECK(rc.plan() == (rate_plan{hold, 100, 0}));
  rc.set(rate_plan{2 * hold});
  BOOST_CHECK(rc.plan() == (rate_plan{2 * hold}));
}

// -- copy_range under a rate_control ---------------------------------------------------

BOOST_AUTO_TEST_CASE(a_copy_held_at_an_offset_stays_there_then_completes_when_raised) {
  testing::temp_dir dir;
  constexpr std::uint64_t chunk = 1024 * KiB;  // a chunk at 1 KiB/s: 17 minutes
  const std::string bytes = random_bytes(6 * chunk + 5, 21);
  auto s = make_spec(dir.path(), bytes, chunk);
  rate_control rc(rate_plan{0, 2 * chunk, hold});  // full speed to 2 MiB, then held
  s.rate = &rc;
  progress_board board;
  const std::atomic<bool> never{false};
  auto run = std::async(std::launch::async, [&] { return copy_range(s, 0, never, board.callback()); });

  BOOST_REQUIRE_MESSAGE(board.wait_for(2 * chunk), "the copy did not reach the hold at 2 MiB");
  // Held: its third chunk crawls (a page every 4 s), so neither it nor the
  // chunks after it are done; the copy is not over.
  BOOST_CHECK(run.wait_for(0s) == std::future_status::timeout);
  {
    const std::lock_guard lock(board.mutex);
    BOOST_TEST(board.hashes.size() == 2u);
  }
  rc.set(rate_plan{0});
  BOOST_REQUIRE(run.wait_for(bound) == std::future_status::ready);
  auto r = run.get();
  BOOST_REQUIRE(r);
  BOOST_TEST(r.value().reached_end);
  BOOST_TEST(read_file(s.temp) == bytes);
  BOOST_TEST(board.hashes == hashes_of(bytes, chunk));
  // A crawl reports only when it moved: never the same offset twice.
  for (std::size_t i = 1; i < board.reports.size(); ++i)
    BOOST_TEST(board.reports[i - 1].offset < board.reports[i].offset);
}

BOOST_AUTO_TEST_CASE(a_held_copy_that_is_cancelled_stops_mid_chunk_as_stopped) {
  testing::temp_dir dir;
  constexpr std::uint64_t chunk = 1024 * KiB;
  const std::string bytes = random_bytes(4 * chunk, 22);
  auto s = make_spec(dir.path(), bytes, chunk);
  rate_control rc(rate_plan{0, chunk, hold});
  s.rate = &rc;
  progress_board board;
  const std::atomic<bool> never{false};
  auto run = std::async(std::launch::async, [&] { return copy_range(s, 0, never, board.callback()); });
  BOOST_REQUIRE(board.wait_for(chunk));
  rc.cancel();
  BOOST_REQUIRE(run.wait_for(bound) == std::future_status::ready);
  auto r = run.get();
  BOOST_REQUIRE(!r);
  require_code(r.error(), engine_errc::stopped);
  BOOST_TEST(fs::exists(s.temp));  // the caller's to keep (another host may continue it)
  BOOST_TEST(board.offset() < 2 * chunk);
}

BOOST_AUTO_TEST_SUITE_END()
