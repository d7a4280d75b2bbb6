// storemesh datagram send|check: a host's side of the data plane, for tests
// and demonstrations.
//
//   storemesh datagram send --to 127.0.0.1:4001 --destination 10.3.0.9 --flow 7 --count 1000 --rate 5000
//     sends unstamped SMDG datagrams (sequence 1..count, or from --first-sequence)
//     to an ingress router at a steady rate; prints one JSON summary line.
//   storemesh datagram check r1.log r2.log r3.log [--count N] [--flow N]...
//     reads routers' receive logs (a router is its file's stem) and prints, per
//     flow, what was delivered, duplicated and lost, and the paths taken by
//     epoch; one JSON object; exit 1 when a datagram was duplicated or lost
//     (or no flow shows at all).

#include "actors/agents/router_plane/datagram_traffic.hpp"
#include "actors/agents/router_plane/receive_log_check.hpp"
#include "events/envelope/envelope_json.hpp"
#include "ops/cli_context.hpp"
#include "services/consensus/topology/forwarding_datagram.hpp"
#include "services/consensus/topology/route_prefix.hpp"

#include <fmt/core.h>

namespace storemesh::ops {
namespace {

namespace plane = actors::router_plane;
using events::envelope::json_string;

struct send_options {
  plane::traffic_options traffic;
  std::string destination, source = "127.0.0.1";
  unsigned ttl = 64;
};

std::uint32_t ipv4_arg(const std::string& text, const char* what) {
  const auto a = services::consensus::parse_ipv4(text);
  if (!a) throw cli_error(std::string(what) + " '" + text + "' is not an IPv4 address A.B.C.D", 2);
  return *a;
}

void send(send_options o) {
  o.traffic.destination = ipv4_arg(o.destination, "--destination");
  o.traffic.source = ipv4_arg(o.source, "--source");
  o.traffic.ttl = static_cast<std::uint8_t>(o.ttl);
  const auto s = must(plane::send_datagrams(o.traffic), "datagram send");
  fmt::print("{{\"to\":{},\"destination\":{},\"flow\":{},\"sent\":{},\"first_sequence\":{},\"last_sequence\":{},"
             "\"seconds\":{:.6f},\"rate\":{:.1f}}}\n",
             json_string(o.traffic.to), json_string(o.destination), o.traffic.flow, s.sent, s.first_sequence,
             s.last_sequence, s.seconds, s.rate());
}

struct check_options {
  std::vector<std::string> logs;
  std::uint64_t count = 0;  // 0: not given
  std::vector<std::uint32_t> flows;
};

void check(const check_options& o) {
  std::vector<plane::router_log> logs;
  for (const auto& file : o.logs) logs.push_back(must(plane::read_receive_log(file), "datagram check"));
  const auto r = plane::check_receive_logs(logs, o.count ? std::optional<std::uint64_t>(o.count) : std::nullopt, o.flows);
  std::string flows;
  for (const auto& f : r.flows) {
    std::string lost, paths;
    for (const auto s : f.first_lost) lost += (lost.empty() ? "" : ",") + std::to_string(s);
    for (const auto& [key, n] : f.paths)
      paths += fmt::format("{}{{\"epoch\":{},\"path\":{},\"datagrams\":{}}}", paths.empty() ? "" : ",", key.first,
                           json_string(key.second), n);
    flows += fmt::format("{}{{\"flow\":{},\"expected\":{},\"delivered\":{},\"duplicates\":{},\"lost\":{},"
                         "\"first_lost\":[{}],\"paths\":[{}]}}",
                         flows.empty() ? "" : ",", f.flow, f.expected, f.delivered, f.duplicates, f.lost, lost, paths);
  }
  std::string drops;
  for (const auto& [reason, n] : r.drops) drops += fmt::format("{}{}:{}", drops.empty() ? "" : ",", json_string(reason), n);
  fmt::print("{{\"ok\":{},\"flows\":[{}],\"drops\":{{{}}},\"bad_lines\":{}}}\n", r.ok() ? "true" : "false", flows, drops,
             r.bad_lines);
  if (!r.ok())
    throw cli_error(r.flows.empty() ? "datagram check: no flow in these logs" : "datagram check: datagrams duplicated or lost (above)", 1);
}

} // namespace

void register_datagram(CLI::App& app) {
  auto* datagram = app.add_subcommand("datagram", "SMDG datagrams on the data plane: send as a host, check receive logs");
  datagram->require_subcommand(1);
  {
    auto o = std::make_shared<send_options>();
    auto* cmd = datagram->add_subcommand("send", "send unstamped datagrams (sequence 1..count) to a router at a steady rate");
    cmd->add_option("--to", o->traffic.to, "the ingress router's UDP endpoint, HOST:PORT")->required();
    cmd->add_option("--destination", o->destination, "destination IPv4 address A.B.C.D")->required();
    cmd->add_option("--flow", o->traffic.flow, "flow id")->required();
    cmd->add_option("--count", o->traffic.count, "datagrams to send")->required()->check(CLI::PositiveNumber);
    cmd->add_option("--rate", o->traffic.rate_per_s, "datagrams per second (0: as fast as possible)")
        ->required()
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--source", o->source, "source IPv4 address (default 127.0.0.1)");
    cmd->add_option("--payload-bytes", o->traffic.payload_bytes, "payload size per datagram")
        ->check(CLI::Range(std::size_t{0}, services::consensus::max_payload_bytes));
    cmd->add_option("--first-sequence", o->traffic.first_sequence, "sequence of the first datagram (default 1)");
    cmd->add_option("--ttl", o->ttl, "hops allowed (default 64)")->check(CLI::Range(1u, 255u));
    cmd->callback([o] { send(*o); });
  }
  {
    auto o = std::make_shared<check_options>();
    auto* cmd = datagram->add_subcommand(
        "check", "per flow: datagrams delivered, duplicated, lost, and their paths, from routers' receive logs");
    cmd->add_option("LOG", o->logs, "receive logs (the router is the file's stem: r1.log)")->required();
    cmd->add_option("--count", o->count, "each flow was sent sequences 1..N (default: up to the highest seen)");
    cmd->add_option("--flow", o->flows, "a flow that was sent (reported, as all lost, even if no log mentions it)");
    cmd->callback([o] { check(*o); });
  }
}

} // namespace storemesh::ops
