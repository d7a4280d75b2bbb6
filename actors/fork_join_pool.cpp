#include "actors/fork_join_pool.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

namespace storemesh::actors {

fork_join_pool::fork_join_pool(const char* name, unsigned threads) {
  for (unsigned i = 1; i < std::max(1u, threads); ++i)
    helpers_.push_back(std::make_unique<helper_thread>(name));
}

void fork_join_pool::for_each(std::size_t n, std::size_t grain, const std::function<void(std::size_t)>& f) {
  if (n == 0)
    return;
  grain = std::max<std::size_t>(1, grain);
  const std::size_t chunks = (n + grain - 1) / grain;
  const std::size_t used = std::min(helpers_.size(), chunks - 1);
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (;;) {
      const std::size_t c = next.fetch_add(1, std::memory_order_relaxed);
      if (c >= chunks)
        return;
      for (std::size_t i = c * grain, end = std::min(n, i + grain); i < end; ++i)
        f(i);
    }
  };
  for (std::size_t k = 0; k < used; ++k)
    helpers_[k]->fork(work);
  work();
  for (std::size_t k = 0; k < used; ++k)
    helpers_[k]->join();
}

unsigned default_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

} // namespace storemesh::actors
