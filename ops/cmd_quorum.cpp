// storemesh quorum configure|status

#include "actors/agents/coordination/kv_client.hpp"
#include "events/envelope/envelope_json.hpp"
#include "ops/coordination_args.hpp"
#include "ops/inject.hpp"
#include "services/tunnels/quorum/cluster_codec.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <map>

namespace storemesh::ops {
namespace {

namespace cl = services::cluster;
using events::envelope::json_string;
using schema::coordination::PeerMessage;

struct configure_options {
  inject_options inject;
  coordination_args args;
  cl::config config;
  double grace_seconds = 10;
  double heartbeat_ms = 100;
  std::string director_key;
};

struct status_options {
  data_options data;
  coordination_args args;
  bool json = false;
};

/// What the director measured of each peer, when one is reachable.
struct live {
  bool connected = false;
  double phi = 0;
  std::int64_t applied = -1;
  std::uint64_t revision = 0;
  std::int64_t since_ms = -1;
  bool serving = false;
  std::string handshake;
};

std::map<std::string, live> ask_director(const status_options& o, std::int64_t& head, std::string& error) {
  std::map<std::string, live> out;
  try {
    auto client = must(actors::coordination::kv_client::open(open_director_tunnel(o.args, o.data), "quorum-status"),
                       "opening a tunnel to the director");
    auto bytes = must(client->call([](auto r) { r.setStatus(); },
                                   std::chrono::milliseconds(static_cast<std::int64_t>(o.args.timeout_seconds * 1000))),
                      "asking the director");
    (void)actors::coordination::read_message(bytes, [&](PeerMessage::Reader m) -> result<void> {
      if (!m.isResponse())
        return success();
      head = m.getResponse().getHeadOffset();
      for (auto p : m.getResponse().getPeers()) {
        live l;
        l.connected = p.getConnected();
        l.phi = p.getPhi();
        l.applied = p.getAppliedOffset();
        l.revision = p.getRevision();
        l.since_ms = p.getSinceHeartbeatMs();
        l.serving = p.getServing();
        l.handshake = p.getHandshakeHash().cStr();
        out[p.getId().cStr()] = l;
      }
      return success();
    });
  } catch (const std::exception& e) {
    error = e.what();
  }
  return out;
}

void status(const status_options& o) {
  const auto s = read_cluster(o.data, o.args.cluster);
  if (!s.configured)
    throw cli_error("cluster '" + o.args.cluster + "' is not configured (storemesh quorum configure)");
  std::int64_t head = -1;
  std::string director_error;
  std::map<std::string, live> facts;
  if (!o.args.director.empty() || std::getenv("STOREMESH_DIRECTOR"))
    facts = ask_director(o, head, director_error);
  const auto members = s.count(cl::role::member);
  if (o.json) {
    std::vector<std::string> peers;
    for (const auto& [id, p] : s.peers) {
      auto f = facts.find(id);
      std::string l = "null";
      if (f != facts.end())
        l = fmt::format("{{\"connected\":{},\"phi\":{:.3f},\"applied_offset\":{},\"revision\":{},"
                        "\"since_heartbeat_ms\":{},\"serving\":{},\"caught_up\":{},\"handshake_hash\":{}}}",
                        f->second.connected, f->second.phi, f->second.applied, f->second.revision,
                        f->second.since_ms, f->second.serving,
                        head >= 0 && f->second.applied >= 0 && head - f->second.applied <= static_cast<std::int64_t>(s.config.max_lag),
                        json_string(f->second.handshake));
      peers.push_back(fmt::format("{{\"id\":{},\"role\":\"{}\",\"domain\":{},\"address\":{},\"key\":\"{}\",\"live\":{}}}",
                                  json_string(id), cl::to_string(p.role), json_string(p.spec.domain),
                                  json_string(p.spec.address), cl::to_hex(p.spec.key), l));
    }
    std::vector<std::string> losses, promotions;
    for (const auto& [id, l] : s.losses)
      losses.push_back(fmt::format("{{\"loss\":{},\"server\":{},\"status\":\"{}\",\"at_ns\":{},\"reason\":{},"
                                   "\"phi\":{:.3f},\"filled_by\":{},\"closed_at_ns\":{}}}",
                                   id, json_string(l.server), cl::to_string(l.status), l.at_ns, json_string(l.reason),
                                   l.phi, l.filled_by, l.closed_at_ns));
    for (const auto& [id, p] : s.promotions)
      promotions.push_back(fmt::format("{{\"promotion\":{},\"node\":{},\"loss\":{},\"state\":\"{}\",\"at_ns\":{},"
                                       "\"closed_at_ns\":{},\"applied_offset\":{},\"head_offset\":{},\"why\":{}}}",
                                       id, json_string(p.node), p.loss, cl::to_string(p.state), p.at_ns,
                                       p.closed_at_ns, p.applied_offset, p.head_offset, json_string(p.why)));
    fmt::print("{{\"cluster\":{},\"target\":{},\"members\":{},\"below_target\":{},\"head_offset\":{},"
               "\"director\":{},\"peers\":[{}],\"losses\":[{}],\"promotions\":[{}]}}\n",
               json_string(o.args.cluster), s.config.target, members, s.below_target(), head,
               director_error.empty() ? (facts.empty() ? std::string("null") : std::string("\"ok\""))
                                      : json_string(director_error),
               fmt::join(peers, ","), fmt::join(losses, ","), fmt::join(promotions, ","));
    return;
  }
  fmt::print("cluster {}: {} of {} members{}\n", o.args.cluster, members, s.config.target,
             s.below_target() ? " (BELOW TARGET)" : "");
  if (!director_error.empty())
    fmt::print("director: {}\n", director_error);
  else if (head >= 0)
    fmt::print("kv log head: offset {}\n", head);
  fmt::print("{:<12} {:<10} {:<8} {:<10} {:>8} {:>10} {:>8}\n", "PEER", "ROLE", "DOMAIN", "HEALTH", "PHI", "APPLIED",
             "LAG");
  for (const auto& [id, p] : s.peers) {
    auto f = facts.find(id);
    std::string health = "?", phi = "-", applied = "-", lag = "-";
    if (f != facts.end()) {
      health = !f->second.connected ? "no tunnel" : f->second.phi < s.config.phi_threshold ? "healthy" : "suspected";
      phi = fmt::format("{:.2f}", f->second.phi);
      if (f->second.applied >= 0) {
        applied = std::to_string(f->second.applied);
        lag = std::to_string(std::max<std::int64_t>(0, head - f->second.applied));
      }
    }
    fmt::print("{:<12} {:<10} {:<8} {:<10} {:>8} {:>10} {:>8}\n", id, cl::to_string(p.role), p.spec.domain, health,
               phi, applied, lag);
  }
  for (const auto& [id, l] : s.losses)
    fmt::print("loss {}: {} {} ({}), {}\n", id, l.server, cl::to_string(l.status), l.reason,
               l.filled_by ? "filled by promotion " + std::to_string(l.filled_by) : std::string("not filled"));
  for (const auto& [id, p] : s.promotions)
    fmt::print("promotion {}: {} for loss {}: {}; {}\n", id, p.node, p.loss, cl::to_string(p.state), p.why);
}

} // namespace

void register_quorum(CLI::App& app) {
  auto* q = app.add_subcommand("quorum", "the management quorum: its configuration and status");
  q->require_subcommand(1);
  {
    auto o = std::make_shared<configure_options>();
    o->config.target = 3;
    o->config.max_lag = 100;
    o->config.phi_threshold = 8;
    auto* cmd = q->add_subcommand("configure", "set the quorum's target size and failure detection");
    add_cluster_option(*cmd, o->args);
    cmd->add_option("--target", o->config.target, "management servers the quorum keeps (default 3)");
    cmd->add_option("--grace", o->grace_seconds, "seconds the quorum may stay below target (default 10)");
    cmd->add_option("--max-lag", o->config.max_lag, "kv records a node may be behind the head and be promoted (default 100)");
    cmd->add_option("--phi", o->config.phi_threshold, "the failure detector's threshold (default 8)");
    cmd->add_option("--heartbeat-ms", o->heartbeat_ms, "how often peers heartbeat (default 100)");
    cmd->add_flag("--domains", o->config.use_domains, "prefer nodes in failure domains the quorum lacks");
    cmd->add_option("--director-key", o->director_key, "the director's tunnel public key (hex or .pub file)")->required();
    add_inject_options(*cmd, o->inject);
    cmd->callback([o] {
      auto c = o->config;
      c.grace_ns = static_cast<std::int64_t>(o->grace_seconds * 1e9);
      c.heartbeat_interval_ns = static_cast<std::int64_t>(o->heartbeat_ms * 1e6);
      c.director_key = read_public_key(o->director_key);
      inject<cl::entity>(o->inject, o->args.cluster, cl::configure{c});
    });
  }
  {
    auto o = std::make_shared<status_options>();
    auto* cmd = q->add_subcommand("status", "members, target, losses and promotions from the log; "
                                            "health and caught-up offsets from the director (--director)");
    add_data_options(*cmd, o->data);
    add_tunnel_options(*cmd, o->args);
    cmd->add_flag("--json", o->json, "one JSON object");
    cmd->callback([o] { status(*o); });
  }
}

} // namespace storemesh::ops
