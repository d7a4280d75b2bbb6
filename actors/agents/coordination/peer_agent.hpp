#pragma once
// A management server or an ordinary node: one process, whose role the log
// says (the cluster entity). Both keep a kv replica (a node's is a learner's,
// as in etcd: it follows the log so that it is caught up when promoted), both
// keep a tunnel open to the director and heartbeat over it. Only a member
// serves requests; a node answers not_member.
//
//   node --(promotion_started: me)--> catch up, report_ready --(promotion_ready)--> member
//   member --(server_lost: me, e.g. after a pause)--> stops serving; heartbeats
//     again, the director reports it back, the log says member or node again
//
// Threads: the cluster view (log follower); the link (connect, hello,
// receive); the ticker (heartbeats, report_ready); `workers` request threads
// (a write blocks until its outcome is in the replica).

#include "actors/agents/coordination/channel.hpp"
#include "actors/agents/coordination/cluster_view.hpp"
#include "actors/agents/coordination/command_writer.hpp"

#include <array>
#include <atomic>
#include <optional>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace storemesh::actors::coordination {

struct peer_options {
  std::string cluster;
  std::string id;
  std::chrono::milliseconds heartbeat{100};
  std::chrono::milliseconds write_timeout{10000};
  std::chrono::milliseconds reconnect{200};
  std::size_t workers = 4;
  std::int64_t hold_kv_at = -1;  ///< see cluster_view::options
};

/// Opens a tunnel to the director (the peer is the initiator).
using connector = std::function<result<std::shared_ptr<channel>>()>;

class peer_agent {
public:
  peer_agent(peer_options opts, std::unique_ptr<events::event_log> read_log, std::unique_ptr<command_writer> writer,
             topics names, connector connect);
  ~peer_agent();

  /// The director's tunnel key, as the cluster's configuration names it
  /// (nullopt until the log says).
  [[nodiscard]] std::optional<std::array<std::uint8_t, 32>> director_key() const;

  /// Runs until stop is set.
  void run(const std::atomic<bool>& stop);

private:
  struct watch {
    std::string request_id;
    std::shared_ptr<channel> link;
  };

  void link_loop(const std::atomic<bool>& stop);
  void ticker(const std::atomic<bool>& stop);
  void worker();
  void serve(const std::shared_ptr<channel>& link, std::string message);
  [[nodiscard]] std::string answer(const std::shared_ptr<channel>& link, const std::string& message);
  void deliver(std::vector<services::kv::delivery> deliveries);
  void drop_watches_of(const std::shared_ptr<channel>& link);
  [[nodiscard]] bool serving() const;
  [[nodiscard]] std::string heartbeat() const;

  peer_options opts_;
  std::unique_ptr<command_writer> writer_;
  cluster_view view_;
  connector connect_;

  std::mutex link_mutex_;
  std::shared_ptr<channel> link_;

  std::mutex work_mutex_;
  std::condition_variable work_ready_;
  std::deque<std::pair<std::shared_ptr<channel>, std::string>> work_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;

  std::mutex watches_mutex_;
  std::map<services::kv::watch_id, watch> watches_;
  services::kv::watch_id next_watch_ = 1;

  std::int64_t last_ready_report_ns_ = 0;
};

} // namespace storemesh::actors::coordination
