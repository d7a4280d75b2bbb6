#include "ops/coordination_args.hpp"

#include "actors/agents/coordination/tunnel_channel.hpp"
#include "actors/agents/tunnel/tunnel_endpoint.hpp"
#include "ops/entity_events.hpp"
#include "services/tunnels/quorum/cluster_codec.hpp"

#include <sodium.h>

#include <cstdlib>
#include <fstream>

namespace storemesh::ops {

namespace cl = services::cluster;

void add_cluster_option(CLI::App& cmd, coordination_args& a) {
  if (const char* env = std::getenv("STOREMESH_CLUSTER"))
    a.cluster = env;
  cmd.add_option("--cluster", a.cluster, "the cluster's name (default $STOREMESH_CLUSTER, else main)");
}

void add_tunnel_options(CLI::App& cmd, coordination_args& a) {
  add_cluster_option(cmd, a);
  if (const char* env = std::getenv("STOREMESH_TUNNEL_KEY"))
    a.tunnel_key = env;
  if (const char* env = std::getenv("STOREMESH_DIRECTOR"))
    a.director = env;
  if (const char* env = std::getenv("STOREMESH_TIMEOUT"); env != nullptr && std::atof(env) > 0)
    a.timeout_seconds = std::atof(env);
  cmd.add_option("--tunnel-key", a.tunnel_key, "X25519 private key file (storemesh tunnel keygen; default $STOREMESH_TUNNEL_KEY)");
  cmd.add_option("--director", a.director, "the director's HOST:PORT (default $STOREMESH_DIRECTOR)");
  cmd.add_option("--timeout", a.timeout_seconds, "seconds a request may take (default $STOREMESH_TIMEOUT, else 10)");
}

namespace {

std::string first_line(const std::string& path) {
  std::ifstream f(path);
  if (!f)
    throw cli_error("cannot read " + path);
  std::string line;
  std::getline(f, line);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' '))
    line.pop_back();
  return line;
}

bool from_hex(const std::string& hex, std::uint8_t* out, std::size_t n) {
  std::size_t len = 0;
  return hex.size() == 2 * n &&
         sodium_hex2bin(out, n, hex.data(), hex.size(), nullptr, &len, nullptr) == 0 && len == n;
}

} // namespace

tunnels::noise::keypair load_tunnel_key(const coordination_args& a) {
  if (a.tunnel_key.empty())
    throw cli_error("no tunnel key: pass --tunnel-key FILE or set STOREMESH_TUNNEL_KEY (storemesh tunnel keygen)", 2);
  std::array<std::uint8_t, 32> priv{};
  if (!from_hex(first_line(a.tunnel_key), priv.data(), priv.size()))
    throw cli_error(a.tunnel_key + ": not a tunnel private key (64 hex characters)", 2);
  auto kp = tunnels::noise::keypair_from_private(priv.data());
  sodium_memzero(priv.data(), priv.size());
  return kp;
}

cl::public_key read_public_key(const std::string& hex_or_file) {
  cl::public_key k;
  std::string hex = hex_or_file;
  if (hex.size() != 64 || !cl::parse_key_hex(hex, k)) {
    hex = first_line(hex_or_file);
    if (!cl::parse_key_hex(hex, k))
      throw cli_error(hex_or_file + ": not a public key (64 hex characters, or a .pub file holding them)", 2);
  }
  return k;
}

void for_each_cluster_event(const data_options& data, const std::string& cluster,
                            const std::function<void(const cl::event&, std::uint64_t sequence)>& f) {
  for_each_entity_event<cl::entity>(data, [&](const std::string& id, const cl::event& e, std::uint64_t sequence) {
    if (id == cluster)
      f(e, sequence);
  });
}

cl::state read_cluster(const data_options& data, const std::string& cluster) {
  cl::state s = cl::initial;
  for_each_cluster_event(data, cluster, [&](const cl::event& e, std::uint64_t) { s = cl::evolve(std::move(s), e); });
  return s;
}

std::pair<std::string, std::uint16_t> split_address(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0)
    throw cli_error("'" + address + "' is not HOST:PORT", 2);
  const auto port = std::atoi(address.c_str() + colon + 1);
  if (port < 0 || port > 65535 || address.substr(colon + 1).find_first_not_of("0123456789") != std::string::npos)
    throw cli_error("'" + address + "': bad port", 2);
  return {address.substr(0, colon), static_cast<std::uint16_t>(port)};
}

std::shared_ptr<actors::coordination::channel> open_director_tunnel(const coordination_args& a,
                                                                    const data_options& data) {
  if (a.director.empty())
    throw cli_error("no director: pass --director HOST:PORT or set STOREMESH_DIRECTOR", 2);
  const auto s = read_cluster(data, a.cluster);
  if (!s.configured || !s.config.director_key)
    throw cli_error("cluster '" + a.cluster + "' names no director key (storemesh quorum configure)");
  const auto director_key = s.config.director_key->bytes;
  agents::tunnel::tunnel_options t;
  t.identity.s = load_tunnel_key(a);
  t.identity.cluster = a.cluster;
  t.identity.allow = [director_key](const tunnels::noise::public_key& k) { return k == director_key; };
  t.handshake_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(a.timeout_seconds * 1000));
  const auto [host, port] = split_address(a.director);
  auto tunnel = must(agents::tunnel::connect_tunnel(host, port, t), "tunnel to the director at " + a.director);
  return std::make_shared<actors::coordination::tunnel_channel>(std::move(tunnel));
}

} // namespace storemesh::ops
