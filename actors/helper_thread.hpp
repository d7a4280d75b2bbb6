#pragma once
// One extra thread that runs a task handed to it while its owner works on
// something else, then waits for it: the simplest fork/join, without the
// cost of starting a thread per task (std::async would, per batch).
//
//   created -> idle <-> busy -> stopped (destructor joins)

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace storemesh::actors {

class helper_thread {
public:
  explicit helper_thread(const char* name);
  ~helper_thread();
  helper_thread(const helper_thread&) = delete;
  helper_thread& operator=(const helper_thread&) = delete;

  /// Starts `task` on the helper. At most one task at a time: join() first.
  void fork(std::function<void()> task);
  /// Waits for the task handed to fork().
  void join();

private:
  void run(const char* name);

  std::mutex mutex_;
  std::condition_variable cv_;
  std::function<void()> task_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace storemesh::actors
