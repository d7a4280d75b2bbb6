#pragma once
// What every coordination process reads from the log, on a thread of its own:
// the cluster entity's events (members, nodes, the tunnel allow-list), the
// keyspace's events into a kv replica, and the rejections of both (the
// outcome of a refused write). Both entities are named after the cluster, so
// one partition of each topic holds all of it.
//
// Readers take the lock through with_cluster / with_replica; the follower
// thread holds it only while it folds one batch. on_applied runs on the
// follower thread after each batch that changed the keyspace, with what each
// watch gets from it (the management server sends those on).

#include "actors/agents/coordination/outcomes.hpp"
#include "actors/topics.hpp"
#include "events/event_log.hpp"
#include "services/tunnels/coordination/kv_replica.hpp"
#include "services/tunnels/quorum/cluster.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace storemesh::actors::coordination {

class cluster_view {
public:
  struct options {
    std::string cluster;
    /// Test hook (`--hold-apply-at`): the replica stops applying at this
    /// kv offset, as a node whose disk or link is slow would; -1: never.
    std::int64_t hold_kv_at = -1;
  };

  cluster_view(std::unique_ptr<events::event_log> log, topics names, options opts);
  ~cluster_view();

  void start();
  void stop();

  template <class F>
  auto with_cluster(F&& f) const {
    std::lock_guard lock(mutex_);
    return f(cluster_);
  }
  template <class F>
  auto with_replica(F&& f) {
    std::lock_guard lock(mutex_);
    return f(replica_);
  }
  template <class F>
  auto with_replica(F&& f) const {
    std::lock_guard lock(mutex_);
    return f(static_cast<const services::kv::replica&>(replica_));
  }

  coordination::outcomes& outcomes() { return outcomes_; }

  /// The next kv offset the replica will apply.
  [[nodiscard]] std::int64_t applied_offset() const { return applied_.load(); }
  /// Waits until the replica applied everything before `offset`.
  [[nodiscard]] bool wait_applied(std::int64_t offset, std::chrono::milliseconds timeout);
  /// Whether the cluster's events have been read up to the end seen at start
  /// (before that, roles and the allow-list may be out of date).
  [[nodiscard]] bool caught_up_once() const { return caught_up_once_.load(); }
  /// The last error of the follower (it retries), empty if none.
  [[nodiscard]] std::string last_error() const;

  void on_applied(std::function<void(std::vector<services::kv::delivery>)> f) { on_applied_ = std::move(f); }
  void on_cluster_changed(std::function<void()> f) { on_cluster_changed_ = std::move(f); }

  [[nodiscard]] const std::string& kv_topic() const { return kv_topic_; }

private:
  void run();
  [[nodiscard]] result<void> follow();

  std::unique_ptr<events::event_log> log_;
  topics names_;
  options opts_;
  std::string kv_topic_, cluster_topic_;

  mutable std::mutex mutex_;
  services::cluster::state cluster_;
  services::kv::replica replica_;
  coordination::outcomes outcomes_;

  /// The revision up to which watch deliveries went to on_applied (follower
  /// thread only): where the watches resume when the log is folded again.
  services::kv::revision delivered_rev_ = 0;
  std::atomic<std::int64_t> applied_{0};
  std::atomic<bool> caught_up_once_{false};
  std::mutex applied_mutex_;
  std::condition_variable applied_changed_;
  std::string last_error_;

  std::function<void(std::vector<services::kv::delivery>)> on_applied_;
  std::function<void()> on_cluster_changed_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

} // namespace storemesh::actors::coordination
