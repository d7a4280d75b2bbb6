#include "actors/helper_thread.hpp"

#include "actors/thread_name.hpp"

namespace storemesh::actors {

helper_thread::helper_thread(const char* name) : thread_([this, name] { run(name); }) {}

helper_thread::~helper_thread() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void helper_thread::fork(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    task_ = std::move(task);
    busy_ = true;
  }
  cv_.notify_all();
}

void helper_thread::join() {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [this] { return !busy_; });
}

void helper_thread::run(const char* name) {
  name_this_thread(name);
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || (busy_ && task_); });
    if (stopping_)
      return;
    auto task = std::move(task_);
    task_ = nullptr;
    lock.unlock();
    task();
    lock.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

} // namespace storemesh::actors
