#include "actors/agents/control_path/worker_pool.hpp"

#include <pthread.h>

namespace storemesh::agents::control_path {

worker_pool::worker_pool(unsigned threads, std::size_t capacity) : capacity_(capacity) {
  for (unsigned i = 0; i < std::max(1u, threads); ++i)
    threads_.emplace_back([this, i] {
      const std::string name = "ctl-worker-" + std::to_string(i);  // top and gdb tell them apart
      pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
      run();
    });
}

worker_pool::~worker_pool() { stop(); }

bool worker_pool::try_submit(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || tasks_.size() >= capacity_) return false;
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
  return true;
}

std::size_t worker_pool::waiting() const {
  std::lock_guard lock(mutex_);
  return tasks_.size();
}

void worker_pool::stop() {
  std::deque<std::function<void()>> dropped;  // destroyed outside the lock: they may hold connections
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    dropped.swap(tasks_);
  }
  wake_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void worker_pool::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (stopping_) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

} // namespace storemesh::agents::control_path
