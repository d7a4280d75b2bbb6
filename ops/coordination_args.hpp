#pragma once
// What the tunnels module's subcommands share: the cluster's name, the
// tunnel key file, the director's address, tunnels to it, the cluster's state
// read from the log.

#include "actors/agents/coordination/channel.hpp"
#include "ops/cli_context.hpp"
#include "services/tunnels/noise/primitives.hpp"
#include "services/tunnels/quorum/cluster.hpp"

#include <functional>
#include <memory>
#include <string>

namespace storemesh::ops {

struct coordination_args {
  std::string cluster = "main";   ///< --cluster, default $STOREMESH_CLUSTER or "main"
  std::string tunnel_key;         ///< --tunnel-key FILE (X25519, `tunnel keygen`), default $STOREMESH_TUNNEL_KEY
  std::string director;           ///< --director HOST:PORT, default $STOREMESH_DIRECTOR
  double timeout_seconds = 10;    ///< --timeout
};

void add_cluster_option(CLI::App& cmd, coordination_args& a);
void add_tunnel_options(CLI::App& cmd, coordination_args& a);

/// The tunnel key pair from --tunnel-key / $STOREMESH_TUNNEL_KEY.
[[nodiscard]] tunnels::noise::keypair load_tunnel_key(const coordination_args& a);
/// A public key from 64 hex characters, or from a `.pub` file holding them.
[[nodiscard]] services::cluster::public_key read_public_key(const std::string& hex_or_file);

/// Every event of the cluster entity, in order (a sequence gap is not checked
/// here: `storemesh audit` does).
void for_each_cluster_event(const data_options& data, const std::string& cluster,
                            const std::function<void(const services::cluster::event&, std::uint64_t sequence)>& f);

/// The cluster entity folded from the log (an empty state if it has no events).
[[nodiscard]] services::cluster::state read_cluster(const data_options& data, const std::string& cluster);

/// "host:port" split, with a clear error.
[[nodiscard]] std::pair<std::string, std::uint16_t> split_address(const std::string& address);

/// A tunnel to the director as `name`; the director's key must be the one the
/// cluster's configuration names (the peers' side of mutual authentication).
[[nodiscard]] std::shared_ptr<actors::coordination::channel> open_director_tunnel(const coordination_args& a,
                                                                                   const data_options& data);

} // namespace storemesh::ops
