#pragma once
// A few threads that run control handlers off the io thread: a handler may
// block for seconds (an FC exchange, a forward to another host), and the io
// thread must keep relaying pass-through bytes meanwhile. The queue of
// waiting tasks is bounded: try_submit refuses beyond it, and the caller
// answers "busy" at once rather than letting requests pile up unseen.
//
// Thread-safe. stop() drops what still waits and joins the threads, so it
// waits for the tasks that are running (a blocked handler holds it up).

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace storemesh::agents::control_path {

class worker_pool {
public:
  /// threads >= 1; capacity: tasks that may wait for a thread (running ones not counted).
  worker_pool(unsigned threads, std::size_t capacity);
  ~worker_pool();  ///< stop()
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  /// Queues the task; false when `capacity` tasks already wait, or after stop().
  [[nodiscard]] bool try_submit(std::function<void()> task);
  /// Tasks waiting for a thread.
  [[nodiscard]] std::size_t waiting() const;
  /// Refuses new tasks, drops the waiting ones, joins. Idempotent.
  void stop();

private:
  void run();

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

} // namespace storemesh::agents::control_path
