#pragma once
// A packet router's process (`storemesh router run`): it follows the log
// (router_view), decides what to do with the pure plan
// (services/consensus/router_plan.hpp) and does it: serves its object store
// on its registered gateway endpoint, fetches and reviews proposed topology
// files and votes on them, expires proposals whose deadline passed,
// activates agreed topologies in its data plane in two phases, announces the
// topology it routes by, and proposes the files POSTed to its gateway.
//
//   created --start()--> started --run(stop)--> (stop set) --> stopped
//   start(): the log read to its end as of now; the router must be
//            registered; its store opened, its own file stored; the gateway
//            and the plane listening on the registered endpoints
//   run():   a tick every `tick` or as soon as the log changes: plan, act
//
// Threads: the view's follower; the gateway's (answers GETs from the store,
// and POSTs of files to store); run()'s caller (the plan and everything it
// does, fetches included, one at a time). Commands go through one
// command_writer (thread-safe).
//
// POST /api/v0/add with a topology file as the body (at most 4 MiB) stores it:
//   200 {"cid"}                   stored (content-addressed: storing bytes decides nothing)
//   400 {"error": "line 3: ..."}  the file does not parse: nothing stored
// Proposing is not the gateway's business: a proposal is a command signed by
// whoever proposes (`storemesh topology propose` stores the file here, then
// signs propose{proposer: this router} with the operator's key), so nobody
// who can reach the gateway can make this router propose anything.

#include "actors/agents/coordination/command_writer.hpp"
#include "actors/agents/router/forwarding_sink.hpp"
#include "actors/agents/router/router_view.hpp"
#include "services/consensus/content/object_store.hpp"
#include "services/consensus/router_plan.hpp"
#include "services/consensus/topology/topology.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace storemesh::agents::block_exchange {
class block_server;
struct post_answer;
} // namespace storemesh::agents::block_exchange

namespace storemesh::actors::router {

struct router_agent_options {
  std::string name;
  std::string network;                  ///< the network it is registered in (the log says; checked at start)
  std::filesystem::path store;          ///< its object store's directory
  std::filesystem::path topology_file;  ///< its own file; empty: none
  std::chrono::milliseconds tick{200};
  std::chrono::milliseconds fetch_timeout{5'000};
  std::chrono::milliseconds catch_up_timeout{30'000};
};

class router_agent {
public:
  router_agent(router_agent_options opts, std::unique_ptr<events::event_log> read_log,
               std::unique_ptr<coordination::command_writer> writer, topics names, sink_factory plane);
  ~router_agent();
  router_agent(const router_agent&) = delete;
  router_agent& operator=(const router_agent&) = delete;

  /// See the lifecycle above. not_registered-style failures are errors with a clear message.
  [[nodiscard]] result<void> start();
  /// Runs until stop is set; then stops the gateway and the plane.
  void run(const std::atomic<bool>& stop);

  [[nodiscard]] std::uint16_t gateway_port() const;
  [[nodiscard]] std::uint16_t udp_port() const;
  /// Its own file's CID (empty without one).
  [[nodiscard]] const std::string& own_cid() const { return own_cid_; }

private:
  struct running_state {
    bool running = false;
    std::string cid;
    std::uint64_t epoch = 0;
    std::int64_t installed_at_ns = 0;
    std::optional<std::uint64_t> stamping;
    services::consensus::topology topology;
    std::set<std::string> names;
  };

  void tick();
  void do_step(const services::consensus::plan_step& step, const router_view::snapshot_type& log);
  bool send(const std::string& key, std::string_view kind, const std::string& entity,
            const std::function<void(schema::Envelope::Builder)>& fill);
  [[nodiscard]] result<std::string> fetch_file(const std::string& cid, const services::consensus::sources& from);
  void activate(const services::consensus::activate& a);
  void vote(const services::consensus::review_and_vote& v, const router_view::snapshot_type& log);
  [[nodiscard]] agents::block_exchange::post_answer on_post(std::string_view target, std::string body);

  router_agent_options opts_;
  std::unique_ptr<coordination::command_writer> writer_;
  router_view view_;
  sink_factory make_plane_;
  topics names_;

  std::optional<services::consensus::object_store> store_;
  std::unique_ptr<agents::block_exchange::block_server> gateway_;
  std::unique_ptr<forwarding_sink> plane_;
  std::string own_cid_;

  running_state run_;
  std::set<std::string> sent_;
  std::map<std::string, std::string> peers_;
  std::string failed_activation_;       ///< "cid@epoch" that failed last
  std::int64_t retry_activation_at_ns_ = 0;
};

/// The 16-byte command id of a plan key (BLAKE2b of the key, truncated).
[[nodiscard]] std::array<std::uint8_t, 16> command_id_of(const std::string& key);

} // namespace storemesh::actors::router
