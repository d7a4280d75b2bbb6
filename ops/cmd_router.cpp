// storemesh router add|list|run

#include "actors/agents/coordination/command_writer.hpp"
#include "actors/agents/router/plane_sink.hpp"
#include "actors/agents/router/router_agent.hpp"
#include "events/envelope/envelope_json.hpp"
#include "ops/consensus_reader.hpp"
#include "ops/inject.hpp"
#include "services/consensus/names.hpp"
#include "services/consensus/router_node_codec.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace storemesh::ops {
namespace {

namespace rt = services::router;
using events::envelope::json_string;

struct add_options {
  inject_options inject;
  std::string name;
  rt::endpoints spec;
};

struct run_options {
  data_options data;
  std::string key;  ///< Ed25519: signs its seeds, votes, announcements, expiries and proposals
  std::string name;
  std::string store;
  std::string topology_file;
  std::string receive_log;
};

std::atomic<bool> stop_requested{false};
void on_signal(int) { stop_requested = true; }

struct list_options {
  data_options data;
  std::string network;
  bool json = false;
};

void add(const add_options& o) {
  auto spec = o.spec;
  if (spec.network.empty())
    spec.network = std::string(services::consensus::default_network);
  // The same registration again changes nothing and so produces no outcome to
  // wait for: say so instead of waiting. Anything else is the decider's call.
  const auto routers = read_routers(o.inject.data);
  if (auto it = routers.find(o.name); it != routers.end() && it->second.registered && it->second.spec == spec) {
    fmt::print("router {} is already registered with these endpoints\n", o.name);
    return;
  }
  inject<rt::entity>(o.inject, o.name, rt::register_router{spec});
}

void list(const list_options& o) {
  const auto routers = read_routers(o.data);
  std::size_t shown = 0;
  if (!o.json)
    fmt::print("{:<20} {:<12} {:<22} {:<22} {:>5}  {}\n", "ROUTER", "NETWORK", "UDP", "GATEWAY", "EPOCH", "ACTIVE CID");
  for (const auto& [name, r] : routers) {
    if (!r.registered || (!o.network.empty() && r.spec.network != o.network))
      continue;
    ++shown;
    if (o.json) {
      fmt::print("{{\"router\":{},\"network\":{},\"udp\":{},\"gateway\":{},\"active_cid\":{},\"epoch\":{},"
                 "\"announced_at_ns\":{}}}\n",
                 json_string(name), json_string(r.spec.network), json_string(r.spec.udp), json_string(r.spec.gateway),
                 r.active_cid.empty() ? "null" : json_string(r.active_cid), r.epoch, r.announced_at_ns);
      continue;
    }
    fmt::print("{:<20} {:<12} {:<22} {:<22} {:>5}  {}\n", name, r.spec.network, r.spec.udp, r.spec.gateway,
               r.active_cid.empty() ? "-" : std::to_string(r.epoch), r.active_cid.empty() ? "(none announced)" : r.active_cid);
  }
  if (shown == 0 && !o.json)
    fmt::print("(no router{}: storemesh router add NAME --udp HOST:PORT --gateway HOST:PORT)\n",
               o.network.empty() ? "" : " in network " + o.network);
}

void run(const run_options& o) {
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  // The registration says where it listens and in which network it votes.
  const auto routers = read_routers(o.data);
  const auto me = routers.find(o.name);
  if (me == routers.end() || !me->second.registered)
    throw cli_error("router '" + o.name + "' is not registered: storemesh router add " + o.name +
                        " --udp HOST:PORT --gateway HOST:PORT",
                    2);
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  auto writer = std::make_unique<actors::coordination::command_writer>(
      open_log(o.data, false), o.data.names, load_signing_key(o.key), "router:" + o.name + "@" + host);
  actors::router::router_agent_options ro;
  ro.name = o.name;
  ro.network = me->second.spec.network;
  ro.store = o.store;
  ro.topology_file = o.topology_file;
  actors::router::router_agent agent(ro, open_log(o.data, true), std::move(writer), o.data.names,
                                     actors::router::datagram_plane_factory(o.receive_log));
  must(agent.start(), "router " + o.name);
  fmt::print("router {} running in network {}: gateway {} (port {}), udp {} (port {}){}\n", o.name,
             me->second.spec.network, me->second.spec.gateway, agent.gateway_port(), me->second.spec.udp,
             agent.udp_port(), agent.own_cid().empty() ? "" : ", its file " + agent.own_cid());
  std::fflush(stdout);
  agent.run(stop_requested);
  spdlog::info("router {}: stopped", o.name);
}

} // namespace

void register_router(CLI::App& app) {
  auto* router = app.add_subcommand("router", "packet routers: their endpoints, network and active topology");
  router->require_subcommand(1);
  {
    auto o = std::make_shared<add_options>();
    auto* cmd = router->add_subcommand(
        "add", "register a router; it is enrolled to vote in its network's topology (storemesh topology status)");
    cmd->add_option("NAME", o->name, "router name, [a-z0-9][a-z0-9_.-]{0,62}")->required();
    cmd->add_option("--udp", o->spec.udp, "HOST:PORT it forwards datagrams from")->required();
    cmd->add_option("--gateway", o->spec.gateway, "HOST:PORT of its HTTP gateway (GET /ipfs/<cid>)")->required();
    cmd->add_option("--network", o->spec.network, "the network it routes in (default: default)");
    add_inject_options(*cmd, o->inject);
    cmd->callback([o] {
      if (auto why = services::consensus::check_name(o->name); !why.empty())
        throw cli_error("router name '" + o->name + "': " + why, 2);
      add(*o);
    });
  }
  {
    auto o = std::make_shared<list_options>();
    auto* cmd = router->add_subcommand("list", "registered routers and the topology each routes by (from the log)");
    cmd->add_option("--network", o->network, "only this network");
    cmd->add_flag("--json", o->json, "one JSON object per line");
    add_data_options(*cmd, o->data);
    cmd->callback([o] { list(*o); });
  }
  {
    auto o = std::make_shared<run_options>();
    auto* cmd = router->add_subcommand(
        "run", "run a registered router until SIGTERM/SIGINT: its gateway and data plane on the registered "
               "endpoints; it votes on proposals, activates agreed topologies and announces them");
    cmd->add_option("--name", o->name, "the router (storemesh router add)")->required();
    cmd->add_option("--store", o->store, "its object store's directory (created if missing)")->required();
    cmd->add_option("--topology", o->topology_file,
                    "its own topology file: stored, and seeded if the network agreed nothing yet");
    cmd->add_option("--receive-log", o->receive_log, "the data plane's log: one line per datagram received");
    add_data_options(*cmd, o->data);
    if (const char* env = std::getenv("STOREMESH_KEY"))
      o->key = env;
    cmd->add_option("--key", o->key, "private key that signs its commands (default $STOREMESH_KEY); the daemon must trust it");
    cmd->callback([o] { run(*o); });
  }
}

} // namespace storemesh::ops
