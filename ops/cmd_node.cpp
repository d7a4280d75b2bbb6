// storemesh node add|remove

#include "events/envelope/envelope_builder.hpp"
#include "ops/coordination_args.hpp"
#include "ops/inject.hpp"
#include "services/tunnels/quorum/cluster_codec.hpp"

#include <chrono>

namespace storemesh::ops {
namespace {

namespace cl = services::cluster;

struct add_options {
  inject_options inject;
  coordination_args args;
  cl::peer_spec peer;
  std::string key;
  bool server = false;
  bool client = false;
};

} // namespace

void register_node(CLI::App& app) {
  auto* n = app.add_subcommand("node", "add and remove the cluster's nodes and management servers (the tunnel allow-list)");
  n->require_subcommand(1);
  {
    auto o = std::make_shared<add_options>();
    auto* cmd = n->add_subcommand("add", "add a node (or with --server a founding management server)");
    cmd->add_option("ID", o->peer.id, "peer id")->required();
    cmd->add_option("--tunnel-pub", o->key, "its tunnel public key: 64 hex characters or a .pub file")->required();
    cmd->add_option("--domain", o->peer.domain, "its failure domain");
    cmd->add_option("--address", o->peer.address, "where it runs (host:port), for the record");
    cmd->add_flag("--server", o->server, "a founding member of the quorum (bootstrap)");
    cmd->add_flag("--client", o->client, "a client only (kv CLI, applications): never promoted");
    add_cluster_option(*cmd, o->args);
    add_inject_options(*cmd, o->inject);
    cmd->callback([o] {
      auto p = o->peer;
      p.key = read_public_key(o->key);
      if (o->server && o->client)
        throw cli_error("--server and --client exclude each other", 2);
      if (o->server)
        inject<cl::entity>(o->inject, o->args.cluster, cl::add_server{p});
      else if (o->client)
        inject<cl::entity>(o->inject, o->args.cluster, cl::add_client{p});
      else
        inject<cl::entity>(o->inject, o->args.cluster, cl::add_node{p});
    });
  }
  {
    auto o = std::make_shared<add_options>();
    auto* cmd = n->add_subcommand("remove", "remove a peer for good: its key leaves the allow-list, its tunnel closes");
    cmd->add_option("ID", o->peer.id, "peer id")->required();
    add_cluster_option(*cmd, o->args);
    add_inject_options(*cmd, o->inject);
    cmd->callback([o] { inject<cl::entity>(o->inject, o->args.cluster, cl::remove_node{o->peer.id, events::envelope::now_ns()}); });
  }
}

} // namespace storemesh::ops
