// storemesh tunnel keygen|list

#include "events/envelope/envelope_json.hpp"
#include "ops/coordination_args.hpp"
#include "services/tunnels/quorum/cluster.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>
#include <sodium.h>
#include <sys/stat.h>

#include <fstream>

namespace storemesh::ops {
namespace {

namespace cl = services::cluster;
using events::envelope::json_string;

std::string hex(const std::uint8_t* p, std::size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), p, n);
  out.pop_back();
  return out;
}

void keygen(const std::string& path) {
  if (std::filesystem::exists(path))
    throw cli_error(path + " exists: not overwriting a key", 2);
  auto kp = tunnels::noise::generate_keypair();
  {
    std::ofstream f(path, std::ios::trunc);
    if (!f)
      throw cli_error("cannot write " + path);
    ::chmod(path.c_str(), 0600);
    f << hex(kp.priv.data(), kp.priv.size()) << "\n";
  }
  std::ofstream pub(path + ".pub", std::ios::trunc);
  pub << hex(kp.pub.data(), kp.pub.size()) << "\n";
  fmt::print("{}\n", hex(kp.pub.data(), kp.pub.size()));
}

struct list_options {
  data_options data;
  coordination_args args;
  bool json = false;
  bool all = false;
};

/// From the events, not the state: the state keeps only the last closed
/// tunnels, the log keeps them all.
void list(const list_options& o) {
  std::vector<cl::tunnel_record> all;
  for_each_cluster_event(o.data, o.args.cluster, [&](const cl::event& e, std::uint64_t) {
    if (const auto* t = std::get_if<cl::tunnel_opened>(&e))
      all.push_back(cl::tunnel_record{t->peer, t->with, t->handshake_hash, t->at_ns, 0, {}});
    else if (const auto* c = std::get_if<cl::tunnel_closed>(&e))
      for (auto& r : all)
        if (r.peer == c->peer && r.handshake_hash == c->handshake_hash && r.closed_at_ns == 0) {
          r.closed_at_ns = c->at_ns;
          r.reason = c->reason;
        }
  });
  if (!o.json)
    fmt::print("{:<12} {:<10} {:<34} {}\n", "PEER", "WITH", "HANDSHAKE HASH", "STATE");
  for (const auto& t : all) {
    if (!o.all && t.closed_at_ns != 0)
      continue;
    if (o.json)
      fmt::print(R"({{"peer":{},"with":{},"handshake_hash":{},"opened_at_ns":{},"closed_at_ns":{},"reason":{}}})" "\n",
                 json_string(t.peer), json_string(t.with), json_string(t.handshake_hash), t.opened_at_ns,
                 t.closed_at_ns, json_string(t.reason));
    else
      fmt::print("{:<12} {:<10} {:<34} {}\n", t.peer, t.with, t.handshake_hash.substr(0, 32) + "..",
                 t.closed_at_ns ? "closed: " + t.reason : std::string("open"));
  }
}

} // namespace

void register_tunnel(CLI::App& app) {
  auto* t = app.add_subcommand("tunnel", "tunnel keys, and the tunnels the log records");
  t->require_subcommand(1);
  {
    auto path = std::make_shared<std::string>();
    auto* cmd = t->add_subcommand("keygen", "make an X25519 tunnel key pair: FILE (private, 0600) and FILE.pub");
    cmd->add_option("--out", *path, "where to write the private key")->required();
    cmd->callback([path] { keygen(*path); });
  }
  {
    auto o = std::make_shared<list_options>();
    auto* cmd = t->add_subcommand("list", "tunnels opened with the director (who, the handshake hash), from the log");
    add_data_options(*cmd, o->data);
    add_cluster_option(*cmd, o->args);
    cmd->add_flag("--json", o->json, "one JSON object per line");
    cmd->add_flag("--all", o->all, "closed ones too");
    cmd->callback([o] { list(*o); });
  }
}

} // namespace storemesh::ops
