// Two real processes (fork) appending to the same partitions at once, while
// this process tails them through a read-only log.

#include "events/file_log/segment_name.hpp"
#include "events/file_log/test_support.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <thread>

using namespace storemesh;
using namespace storemesh::events;
using namespace storemesh::events::file_log_testing;

namespace {

constexpr int children = 2;
constexpr int batches = 150;
constexpr int per_batch = 4;
constexpr int partitions = 2;

/// The body of a child process: no Boost.Test here, just an exit code.
int append_as_child(const file_log_options& opts, int child, int start_fd) {
  char go;
  if (::read(start_fd, &go, 1) < 0) // returns 0 when the parent closes the pipe: start together
    return 10;
  auto log = file_log::open(opts);
  if (!log)
    return 11;
  for (int b = 0; b < batches; ++b) {
    const partition_id p{b % partitions};
    auto batch = make_batch("c" + std::to_string(child) + "-b" + std::to_string(b), per_batch, 100);
    if (!log.value()->append("t", p, batch))
      return 12;
  }
  return 0;
}

} // namespace

BOOST_AUTO_TEST_SUITE(file_log_multi_process)

BOOST_AUTO_TEST_CASE(two_processes_appending_at_once_lose_nothing_and_duplicate_nothing) {
  testing::temp_dir dir;
  const auto opts = test_options(dir.path(), 8 * 1024); // both processes roll segments too
  {
    auto log = open_log(opts);
    BOOST_REQUIRE(log->create_topic("t", partitions));
  }
  int start[2];
  BOOST_REQUIRE(::pipe(start) == 0);
  std::vector<pid_t> pids;
  std::cout.flush(); // or the children would inherit, and may repeat, buffered output
  std::fflush(nullptr);
  for (int c = 0; c < children; ++c) {
    const pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(start[1]);
      ::_exit(append_as_child(opts, c, start[0]));
    }
    pids.push_back(pid);
  }
  ::close(start[0]);

  // Tail partition 0 from this process while the children write.
  auto ro_opts = opts;
  ro_opts.read_only = true;
  auto tail_log = open_log(ro_opts);
  auto tail = tail_log->read("t", partition_id{0}, offset{0});
  BOOST_REQUIRE(tail);
  ::close(start[1]); // go

  std::vector<owned_record> tailed;
  const std::size_t expected_per_partition = children * batches / partitions * per_batch;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (tailed.size() < expected_per_partition && std::chrono::steady_clock::now() < deadline) {
    auto more = drain(*tail.value());
    tailed.insert(tailed.end(), more.begin(), more.end());
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (pid_t pid : pids) {
    int status = 0;
    BOOST_REQUIRE(::waitpid(pid, &status, 0) == pid);
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0);
  }
  BOOST_TEST(tailed.size() == expected_per_partition);

  auto log = open_log(opts);
  for (int p = 0; p < partitions; ++p) {
    auto all = read_all(*log, "t", partition_id{p});
    BOOST_REQUIRE_EQUAL(all.size(), expected_per_partition);
    BOOST_TEST(end_of(*log, "t", partition_id{p}).value == static_cast<std::int64_t>(all.size()));
    std::map<std::string, int> seen;
    std::map<int, int> last_batch_of_child;
    for (std::size_t i = 0; i < all.size(); ++i) {
      BOOST_TEST(all[i].off.value == static_cast<std::int64_t>(i));
      BOOST_TEST(all[i].value.substr(0, all[i].key.size()) == all[i].key);
      ++seen[all[i].key];
      // A batch stays whole, and each child's batches stay in its order.
      const int child = all[i].key[1] - '0';
      const int batch = std::stoi(all[i].key.substr(all[i].key.find("-b") + 2));
      BOOST_TEST(batch >= last_batch_of_child[child]);
      last_batch_of_child[child] = batch;
      if (i % per_batch != 0)
        BOOST_TEST(all[i].key.substr(0, all[i].key.rfind('-')) == all[i - 1].key.substr(0, all[i - 1].key.rfind('-')));
    }
    BOOST_TEST(seen.size() == all.size()); // each record exactly once
    if (p == 0)
      for (std::size_t i = 0; i < tailed.size() && i < all.size(); ++i)
        BOOST_TEST(tailed[i].key == all[i].key);
  }
  BOOST_TEST(file_log_detail::list_segments(dir / "t" / "0").value().size() > 3u);
}

BOOST_AUTO_TEST_SUITE_END()
