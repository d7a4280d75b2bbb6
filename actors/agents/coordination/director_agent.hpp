#pragma once
// The director: every management server, node and client opens a tunnel to
// it. It routes each client request to a management server that can take it
// (services/tunnels/director/routing.hpp), tries another when that one fails
// or dies mid-request (a write keeps its id, so the log decides it once),
// keeps watches alive across failovers (resuming at the next revision the
// client has not seen), runs a phi-accrual detector per peer from the
// heartbeats, and turns what they say into cluster commands
// (services/tunnels/director/monitor.hpp). It expires leases: time enters the
// keyspace only through its expire_leases commands.
//
// It decides nothing itself and keeps nothing durable: a restarted director
// folds the cluster from the log and carries on; peers reconnect.
//
// Threads: the cluster view; one reader per tunnel; the ticker (detectors,
// monitor, leases, request deadlines).

#include "actors/agents/coordination/channel.hpp"
#include "actors/agents/coordination/cluster_view.hpp"
#include "actors/agents/coordination/command_writer.hpp"
#include "services/tunnels/director/pacer.hpp"
#include "services/tunnels/director/routing.hpp"
#include "services/tunnels/quorum/phi_accrual.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace storemesh::actors::coordination {

struct director_options {
  std::string cluster;
  std::string name = "director";
  std::chrono::milliseconds tick{50};
  std::chrono::milliseconds request_timeout{10000};  ///< a client request's whole budget, if it sets none
  std::chrono::milliseconds attempt_timeout{3000};   ///< one server's share before the next is tried
  std::chrono::milliseconds hello_timeout{2000};
  std::int64_t acceptable_pause_ns = 2'000'000'000;  ///< added to the detector's mean (a busy machine)
  /// After its start the director judges nobody for this long: peers are
  /// still (re)connecting, and silence since our own start is not theirs.
  std::chrono::milliseconds startup_grace{5000};
  services::director::routing_policy routing;
};

/// What the director knows of a tunnel, for `tunnel list` and the events.
struct tunnel_info {
  std::string peer;
  std::string role;  ///< "peer" or "client"
  std::string handshake_hash;
  std::int64_t opened_ns = 0;
};

class director_agent {
public:
  director_agent(director_options opts, std::unique_ptr<events::event_log> read_log,
                 std::unique_ptr<command_writer> writer, topics names);
  ~director_agent();

  /// For the listener's allow-list: the key belongs to a peer of the cluster
  /// that is not removed (a member, a node, a client).
  [[nodiscard]] bool allowed(const std::array<std::uint8_t, 32>& key) const;

  /// A tunnel the listener accepted (handshake done, key allowed).
  void adopt(std::shared_ptr<channel> link);

  void run(const std::atomic<bool>& stop);

private:
  struct peer_link;
  struct pending;
  struct watch;

  void read_loop(std::shared_ptr<channel> link);
  void on_peer_message(const std::string& peer, const std::shared_ptr<channel>& link, std::string message);
  void on_client_message(const std::shared_ptr<channel>& link, std::string message);
  void dispatch(const std::string& id);
  void finish(const std::string& id, std::string response);
  void fail(const std::string& id, const std::string& code, const std::string& why);
  void link_closed(const std::string& peer, const std::shared_ptr<channel>& link);
  void client_closed(const std::shared_ptr<channel>& link);
  void tick();
  /// The peer's detector, made on first use (mutex_ held).
  services::cluster::phi_accrual& detector(const std::string& id, std::int64_t heartbeat_interval_ns);
  void monitor(std::int64_t now);
  void expire_leases(std::int64_t now);
  void enforce_allow_list();
  void close_tunnels_of_a_previous_run();
  void record_tunnel(const std::string& peer, const std::string& hash, bool opened, const std::string& reason);

  director_options opts_;
  std::unique_ptr<command_writer> writer_;
  cluster_view view_;

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<peer_link>> peers_;  ///< by peer id
  std::map<std::string, services::cluster::phi_accrual> detectors_;
  std::map<std::string, std::shared_ptr<pending>> pending_;   ///< by request id
  std::map<std::string, std::shared_ptr<watch>> watches_;     ///< by request id
  std::set<std::shared_ptr<channel>> clients_;
  services::director::pacer pacer_;
  std::int64_t head_ = 0;
  std::int64_t head_checked_ns_ = 0;
  std::int64_t started_ns_ = 0;
  bool swept_ = false;  ///< tunnels of a previous run closed (ticker thread only)

  std::mutex threads_mutex_;
  std::vector<std::thread> readers_;
  std::atomic<bool> stopping_{false};
};

} // namespace storemesh::actors::coordination
