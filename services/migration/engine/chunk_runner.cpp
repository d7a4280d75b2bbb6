#include "services/migration/engine/chunk_runner.hpp"

#include "services/migration/engine/copy_engine.hpp"

#include <condition_variable>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace storemesh::services::migration::engine_detail {
namespace {

using clock = std::chrono::steady_clock;
constexpr std::uint64_t no_chunk = std::numeric_limits<std::uint64_t>::max();

struct worker_slot {
  std::uint64_t chunk = no_chunk;  // guarded by the run's mutex
  std::atomic<std::uint64_t> copied{0};
};

/// What the workers and the reporting thread share; everything but the slots'
/// `copied` counters is guarded by `mutex`.
struct run_state {
  run_state(const run_request& r, const std::atomic<bool>& s)
      : request(r), stop(s), slots(std::make_unique<worker_slot[]>(r.workers)), next_claim(r.first_chunk),
        next_report(r.first_chunk), running(r.workers) {}

  const run_request& request;
  const std::atomic<bool>& stop;
  std::unique_ptr<worker_slot[]> slots;

  std::mutex mutex;
  std::condition_variable room;      // workers wait here for the reports to catch up
  std::condition_variable finished;  // the reporting thread waits here for chunks
  std::uint64_t next_claim;
  std::uint64_t next_report;
  std::map<std::uint64_t, std::optional<chunk_hash>> done;  // finished, not yet reported
  std::optional<error> failure;
  unsigned running;
  bool abandoned = false;  // the reporting thread is leaving (an exception)

  [[nodiscard]] std::uint64_t window() const { return 2 * std::uint64_t{request.workers}; }

  void work(unsigned w, const chunk_copier& copy) {
    const std::uint64_t end = request.plan.count();
    std::unique_lock lock(mutex);
    for (;;) {
      room.wait(lock, [&] { return abandoned || failure || next_claim >= end || next_claim < next_report + window(); });
      if (abandoned || failure || next_claim >= end || stop.load()) break;
      const std::uint64_t c = next_claim++;
      slots[w].chunk = c;
      slots[w].copied.store(0);
      lock.unlock();
      const auto cpu_before = request.cpu_ns != nullptr ? thread_cpu_ns() : 0;
      auto r = copy(w, c, slots[w].copied);
      if (request.cpu_ns != nullptr) *request.cpu_ns += thread_cpu_ns() - cpu_before;
      lock.lock();
      slots[w].chunk = no_chunk;
      if (r)
        done.emplace(c, r.value());
      else if (!failure)
        failure = std::move(r).error();
      if (failure) room.notify_all();
      finished.notify_one();
    }
    --running;
    finished.notify_one();
  }

  void abandon() {
    const std::lock_guard lock(mutex);
    abandoned = true;
    room.notify_all();
  }
};

/// Joins the workers however the reporting loop is left (an exception from
/// on_progress included): they finish the chunk in hand and claim no more.
class worker_pool {
public:
  worker_pool(run_state& s, const chunk_copier& copy) : state_(s) {
    for (unsigned w = 0; w < s.request.workers; ++w) threads_.emplace_back([&s, &copy, w] { s.work(w, copy); });
  }
  ~worker_pool() {
    state_.abandon();
    for (auto& t : threads_) t.join();
  }
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

private:
  run_state& state_;
  std::vector<std::thread> threads_;
};

} // namespace

result<std::uint64_t> run_chunks(const run_request& request, const chunk_copier& copy, const std::atomic<bool>& stop,
                                 const std::function<void(const progress&)>& on_progress) {
  const chunk_plan& plan = request.plan;
  if (request.first_chunk >= plan.count()) return std::min(plan.size, plan.offset(request.first_chunk));

  run_state s(request, stop);
  worker_pool pool(s, copy);
  auto last_report = clock::now();
  std::uint64_t reported = plan.offset(request.first_chunk);  // the offset of the last report
  std::unique_lock lock(s.mutex);  // declared after the pool: released before the pool joins
  for (;;) {
    s.finished.wait_until(lock, last_report + request.report_every,
                          [&] { return s.failure || s.running == 0 || s.done.count(s.next_report) > 0; });
    if (s.failure) return *s.failure;
    progress p;
    bool report = false;
    for (auto it = s.done.find(s.next_report); it != s.done.end(); it = s.done.find(s.next_report)) {
      if (it->second) p.new_hashes.push_back(*it->second);
      s.done.erase(it);
      ++s.next_report;
      report = true;
    }
    if (report) {
      p.offset = plan.end(s.next_report - 1);
      s.room.notify_all();
    } else if (clock::now() >= last_report + request.report_every) {
      // Only when it moved: a copy held at a crawl would repeat itself.
      for (unsigned w = 0; w < request.workers; ++w) {
        if (s.slots[w].chunk != s.next_report) continue;
        p.offset = plan.offset(s.next_report) + s.slots[w].copied.load();
        report = p.offset > reported;
      }
      if (!report) last_report = clock::now();
    }
    if (report) {
      reported = p.offset;
      lock.unlock();  // the callback may take its time (it records the progress)
      on_progress(p);
      lock.lock();
      last_report = clock::now();
    }
    if (s.running == 0 && s.done.count(s.next_report) == 0) break;
  }
  if (s.failure) return *s.failure;
  return std::min(plan.size, plan.offset(s.next_report));
}

} // namespace storemesh::services::migration::engine_detail
