#pragma once
// A few threads for blocking work (log reads during recovery, later file
// copies and hashing), so that actors on CAF's cooperative scheduler never
// block. Jobs report back by sending a message.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace storemesh::actors {

class blocking_pool {
public:
  explicit blocking_pool(unsigned threads);
  ~blocking_pool();  ///< finishes queued jobs, then joins
  blocking_pool(const blocking_pool&) = delete;
  blocking_pool& operator=(const blocking_pool&) = delete;

  void post(std::function<void()> job);

private:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

} // namespace storemesh::actors
