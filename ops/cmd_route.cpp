// storemesh route ROUTER ADDRESS: where ROUTER forwards a datagram for
// ADDRESS by the topology it announced (its active CID in the log): the file
// fetched and verified, ROUTER's forwarding table built from it, the longest
// prefix matched -- what its data plane does, asked from outside.

#include "events/envelope/envelope_json.hpp"
#include "ops/consensus_reader.hpp"
#include "ops/topology_fetch.hpp"
#include "services/consensus/topology/forwarding_table.hpp"
#include "services/consensus/topology/route_prefix.hpp"
#include "services/consensus/topology/topology.hpp"

#include <fmt/core.h>

namespace storemesh::ops {
namespace {

namespace cs = services::consensus;
using events::envelope::json_string;

struct route_options {
  data_options data;
  std::string router;
  std::string address;
  std::string store;
  bool json = false;
};

void route(const route_options& o) {
  const auto address = cs::parse_ipv4(o.address);
  if (!address)
    throw cli_error("'" + o.address + "' is not an IPv4 address (a.b.c.d)", 2);
  const auto routers = read_routers(o.data);
  const auto it = routers.find(o.router);
  if (it == routers.end() || !it->second.registered)
    throw cli_error("router '" + o.router + "' is not registered (storemesh router list)", 2);
  const auto& r = it->second;
  if (r.active_cid.empty())
    throw cli_error("router '" + o.router + "' has announced no topology yet (is it running? storemesh router run)");
  const auto text = fetch_topology_text(routers, r.active_cid, o.router, o.store);
  const auto t = must(cs::parse_topology(text), "topology " + r.active_cid);
  const auto table = cs::forwarding_table::build(t, o.router);
  const auto* e = table.lookup_entry(*address);
  if (o.json) {
    if (e == nullptr) {
      fmt::print("{{\"router\":{},\"address\":{},\"cid\":{},\"epoch\":{},\"version\":{},\"action\":\"no_route\"}}\n",
                 json_string(o.router), json_string(o.address), json_string(r.active_cid), r.epoch, t.version);
    } else {
      const bool here = e->next == cs::forwarding_table::deliver_here;
      fmt::print("{{\"router\":{},\"address\":{},\"cid\":{},\"epoch\":{},\"version\":{},\"action\":\"{}\","
                 "\"next_hop\":{},\"prefix\":{},\"line\":{}}}\n",
                 json_string(o.router), json_string(o.address), json_string(r.active_cid), r.epoch, t.version,
                 here ? "deliver" : "forward", here ? "null" : json_string(table.next_hops()[e->next]),
                 json_string(e->prefix.to_string()), e->line);
    }
  } else if (e == nullptr) {
    fmt::print("no route to {} at {} (topology {} version {}, epoch {})\n", o.address, o.router, r.active_cid,
               t.version, r.epoch);
  } else if (e->next == cs::forwarding_table::deliver_here) {
    fmt::print("deliver at {}: {} matches {} (line {}), epoch {} (topology {} version {})\n", o.router, o.address,
               e->prefix.to_string(), e->line, r.epoch, r.active_cid, t.version);
  } else {
    fmt::print("next hop {}: {} matches {} (line {}), epoch {} (topology {} version {})\n",
               table.next_hops()[e->next], o.address, e->prefix.to_string(), e->line, r.epoch, r.active_cid,
               t.version);
  }
  if (e == nullptr)
    throw cli_error("no route", 1);
}

} // namespace

void register_route(CLI::App& app) {
  auto o = std::make_shared<route_options>();
  auto* cmd = app.add_subcommand("route", "where ROUTER forwards a datagram for ADDRESS, by the topology it announced");
  cmd->add_option("ROUTER", o->router, "a registered router")->required();
  cmd->add_option("ADDRESS", o->address, "an IPv4 destination, a.b.c.d")->required();
  cmd->add_option("--store", o->store, "read the topology from this local object store instead of the gateways");
  cmd->add_flag("--json", o->json, "one JSON object");
  add_data_options(*cmd, o->data);
  cmd->callback([o] { route(*o); });
}

} // namespace storemesh::ops
