// storemesh peer | director: the coordination processes (issue 11). Each runs
// until SIGTERM or SIGINT; kill -9 is what the failover tests do to them.

#include "actors/agents/coordination/director_agent.hpp"
#include "actors/agents/coordination/peer_agent.hpp"
#include "actors/agents/coordination/tunnel_channel.hpp"
#include "actors/agents/tunnel/tunnel_endpoint.hpp"
#include "ops/command_client.hpp"
#include "ops/coordination_args.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <csignal>

namespace storemesh::ops {
namespace {

namespace co = actors::coordination;
namespace cl = services::cluster;
namespace noise = tunnels::noise;

std::atomic<bool> stop_requested{false};

void on_signal(int) { stop_requested = true; }

void trap_signals() {
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
}

std::string host_name() {
  char h[256] = "localhost";
  ::gethostname(h, sizeof h - 1);
  return h;
}

struct process_options {
  data_options data;
  coordination_args args;
  std::string key;  ///< Ed25519: signs the commands the process sends
  std::string id;
  std::string listen = "127.0.0.1:7450";
  std::int64_t hold_at = -1;
  std::size_t workers = 4;
  double acceptable_pause_s = 2;
  double startup_grace_s = 5;
};

void add_process_options(CLI::App& cmd, process_options& o) {
  add_data_options(cmd, o.data);
  add_tunnel_options(cmd, o.args);
  if (const char* env = std::getenv("STOREMESH_KEY"))
    o.key = env;
  cmd.add_option("--key", o.key, "private key that signs its commands (default $STOREMESH_KEY); the daemon must trust it");
}

std::unique_ptr<co::command_writer> writer_for(const process_options& o, const std::string& who) {
  auto key = load_signing_key(o.key);
  return std::make_unique<co::command_writer>(open_log(o.data, false), o.data.names, std::move(key),
                                              who + "@" + host_name());
}

agents::tunnel::tunnel_options tunnel_opts(const process_options& o, noise::allow_fn allow) {
  agents::tunnel::tunnel_options t;
  t.identity.s = load_tunnel_key(o.args);
  t.identity.cluster = o.args.cluster;
  t.identity.allow = std::move(allow);
  return t;
}

void run_peer(const process_options& o) {
  trap_signals();
  const auto [host, port] = split_address(o.args.director);
  co::peer_options po;
  po.cluster = o.args.cluster;
  po.id = o.id;
  po.hold_kv_at = o.hold_at;
  po.workers = o.workers;
  const auto s = read_cluster(o.data, o.args.cluster);
  if (!s.configured)
    throw cli_error("cluster '" + o.args.cluster + "' is not configured (storemesh quorum configure)");
  if (const auto* me = s.find(o.id); !me || me->role == cl::role::removed)
    throw cli_error("'" + o.id + "' is not a peer of cluster '" + o.args.cluster + "' (storemesh node add)");
  po.heartbeat = std::chrono::milliseconds(std::max<std::int64_t>(10, s.config.heartbeat_interval_ns / 1'000'000));

  // The director must hold the key the cluster's configuration names: the
  // peer's half of mutual authentication (the director checks ours).
  std::unique_ptr<co::peer_agent> agent;
  auto topts = tunnel_opts(o, [&agent](const noise::public_key& k) { return agent && agent->director_key() == k; });
  agent = std::make_unique<co::peer_agent>(
      po, open_log(o.data, true), writer_for(o, "peer:" + o.id), o.data.names,
      [host = host, port = port, topts]() -> result<std::shared_ptr<co::channel>> {
        SM_TRY(auto t, agents::tunnel::connect_tunnel(host, port, topts));
        return std::shared_ptr<co::channel>(std::make_shared<co::tunnel_channel>(std::move(t)));
      });
  spdlog::info("peer {} of cluster {}: connecting to the director at {}", o.id, o.args.cluster, o.args.director);
  agent->run(stop_requested);
}

void run_director(const process_options& o) {
  trap_signals();
  const auto [host, port] = split_address(o.listen);
  co::director_options d;
  d.cluster = o.args.cluster;
  d.name = o.id.empty() ? "director" : o.id;
  d.acceptable_pause_ns = static_cast<std::int64_t>(o.acceptable_pause_s * 1e9);
  d.startup_grace = std::chrono::milliseconds(static_cast<std::int64_t>(o.startup_grace_s * 1000));
  auto agent = std::make_unique<co::director_agent>(d, open_log(o.data, true), writer_for(o, d.name), o.data.names);
  auto topts = tunnel_opts(o, [a = agent.get()](const noise::public_key& k) { return a->allowed(k); });
  auto listener = must(agents::tunnel::tunnel_listener::listen(host, port, topts,
                                                             [a = agent.get()](std::shared_ptr<agents::tunnel::tunnel> t) {
                                                               a->adopt(std::make_shared<co::tunnel_channel>(std::move(t)));
                                                             }),
                       "listening on " + o.listen);
  spdlog::info("director of cluster {} listening on {}:{}", o.args.cluster, host, listener->port());
  fmt::print("listening on {}:{}\n", host, listener->port());
  std::fflush(stdout);
  agent->run(stop_requested);
  listener->stop();
}

} // namespace

void register_coordination_processes(CLI::App& app) {
  {
    auto o = std::make_shared<process_options>();
    auto* cmd = app.add_subcommand("peer", "run a management server or node of a cluster (the log says which)");
    cmd->add_option("--id", o->id, "its peer id (storemesh node add)")->required();
    cmd->add_option("--workers", o->workers, "request threads (default 4)");
    cmd->add_option("--hold-apply-at", o->hold_at,
                    "fault knob: stop applying the kv log at this offset, like a node that lags");
    add_process_options(*cmd, *o);
    cmd->callback([o] { run_peer(*o); });
  }
  {
    auto o = std::make_shared<process_options>();
    auto* cmd = app.add_subcommand("director", "run a cluster's director: routes kv requests, detects failures, promotes");
    cmd->add_option("--listen", o->listen, "HOST:PORT to accept tunnels on (port 0: any; printed)");
    cmd->add_option("--name", o->id, "its name in the losses it reports (default director)");
    cmd->add_option("--acceptable-pause", o->acceptable_pause_s,
                    "seconds of silence the failure detector adds to a peer's mean interval (default 2)");
    cmd->add_option("--startup-grace", o->startup_grace_s,
                    "seconds after its start before the director judges any peer (default 5)");
    add_process_options(*cmd, *o);
    cmd->callback([o] { run_director(*o); });
  }
}

} // namespace storemesh::ops
