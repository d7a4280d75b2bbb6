#pragma once
// tail_watcher: what kafka_log::wait_beyond() waits on. Polling the watermark
// would cost a ListOffsets round trip every few milliseconds per waiter; a
// consumer costs one long-poll fetch per broker, which the broker answers the
// moment a record lands.
//
// One consumer client and one thread per log. A partition is watched from the
// first wait on it (consume_start at the end the waiter saw) until nobody has
// waited on it for a while; the thread drains the fetched records, keeps each
// watched partition's end (the offset after the last record, or the fetcher's
// end-of-partition offset) and wakes the waiters whose `known` it passed.
//
//   wait(t, p, known) --start--> [watch t/p: end] <--records, EOF-- fetcher
//        ^------------- notify when end > known ----------------'
//
// The watcher reads what is appended to watched partitions a second time (and
// discards it): cheap for the control plane's event rates, and only while
// someone waits. Thread-safe.

#include "events/kafka_log/consumer_pool.hpp"

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace storemesh::events::kafka_detail {

class tail_watcher {
public:
  using clock = std::chrono::steady_clock;

  [[nodiscard]] static result<std::unique_ptr<tail_watcher>> open(const kafka_log_options& options);
  /// Stops every watch and the thread; waiters return (nothing moved).
  ~tail_watcher();
  tail_watcher(const tail_watcher&) = delete;
  tail_watcher& operator=(const tail_watcher&) = delete;

  /// Waits until a record at or beyond `known` of `topic`/`p` is readable,
  /// or until `deadline`. `seen_end` is the partition's end as the caller just
  /// queried it (<= known): where the watch starts if it is new. Returns the
  /// end as the watcher knows it: beyond `known` unless the deadline passed.
  [[nodiscard]] result<offset> wait(const std::string& topic, partition_id p, offset known, offset seen_end,
                                    clock::time_point deadline);

private:
  struct watch {
    std::int64_t end = 0;        // what the fetcher has shown to exist
    int waiters = 0;
    clock::time_point last_wait; // idle watches are stopped after a while
    std::optional<error> failed; // the fetcher reported a non-transient error
  };
  using key = std::pair<std::string, std::int32_t>;

  explicit tail_watcher(client_ptr rk);
  void run();
  void absorb(rd_kafka_message_t* m, bool& changed);
  void stop_idle(clock::time_point now);
  [[nodiscard]] result<rd_kafka_topic_t*> topic_locked(const std::string& topic);

  client_ptr rk_;
  queue_ptr queue_; // every watched partition is fetched into it

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, topic_ptr> topics_;        // mu_
  std::map<key, std::shared_ptr<watch>> watches_;  // mu_
  bool stop_ = false;                              // mu_
  std::thread thread_;
};

} // namespace storemesh::events::kafka_detail
