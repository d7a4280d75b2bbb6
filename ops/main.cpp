// storemesh: the one binary. Every subcommand lives in its own file.

#include "ops/cli_context.hpp"

#include <fmt/core.h>

#include <cstdio>

int main(int argc, char** argv) {
  using namespace storemesh::ops;
  CLI::App app{"storemesh: control plane of a storage network, every actor's state derived from an event log"};
  app.require_subcommand(1);
  register_keygen(app);
  register_serve(app);
  register_host(app);
  register_events(app);
  register_audit(app);
  register_copy(app);
  register_gateway(app);
  register_rebalance(app);
  register_demo(app);
  register_command(app);
  register_apply(app);
  register_quorum(app);
  register_node(app);
  register_kv(app);
  register_tunnel(app);
  register_coordination_processes(app);
  register_cid(app);
  register_router(app);
  register_topology(app);
  register_route(app);
  register_datagram(app);
  register_storage(app);
  register_access(app);
  register_delivery_setup(app);
  register_delivery(app);
  register_sim(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const cli_error& e) {
    fmt::print(stderr, "storemesh: {}\n", e.what());
    return e.exit_code;
  } catch (const std::exception& e) {
    fmt::print(stderr, "storemesh: {}\n", e.what());
    return 1;
  }
  return 0;
}
