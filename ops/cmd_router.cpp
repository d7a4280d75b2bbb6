// storemesh router add|list

#include "events/envelope/envelope_json.hpp"
#include "ops/consensus_reader.hpp"
#include "ops/inject.hpp"
#include "services/consensus/names.hpp"
#include "services/consensus/router_node_codec.hpp"

#include <fmt/core.h>

namespace storemesh::ops {
namespace {

namespace rt = services::router;
using events::envelope::json_string;

struct add_options {
  inject_options inject;
  std::string name;
  rt::endpoints spec;
};

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
}

} // namespace storemesh::ops
