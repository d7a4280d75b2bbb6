#pragma once
// Where the router agent puts the topologies it activates: the data plane
// (actors/agents/router_plane: datagram_plane), behind the three calls the
// agent makes, so that the agent is built and tested without sockets.
//
//   install(E, t)    phase 1: the plane can route datagrams stamped E by t
//   stamp_with(E)    phase 2: datagrams entering here are stamped E
//   set_peers(m)     the routers' UDP endpoints, by name (from the log)
//
// Called from the agent's thread only.

#include "events/error.hpp"
#include "services/consensus/topology/forwarding_datagram.hpp"
#include "services/consensus/topology/topology.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace storemesh::actors::router {

class forwarding_sink {
public:
  virtual ~forwarding_sink() = default;
  [[nodiscard]] virtual result<void> set_peers(std::map<std::string, std::string> udp_endpoints_by_router) = 0;
  [[nodiscard]] virtual result<void> install(services::consensus::topology_epoch epoch,
                                             const services::consensus::topology& t) = 0;
  [[nodiscard]] virtual result<void> stamp_with(services::consensus::topology_epoch epoch) = 0;
  /// The UDP port it listens on (0 when it has none).
  [[nodiscard]] virtual std::uint16_t port() const = 0;
  virtual void stop() = 0;
};

/// Starts the plane of router `name` on `udp` (host:port, its registration).
using sink_factory =
    std::function<result<std::unique_ptr<forwarding_sink>>(const std::string& name, const std::string& udp)>;

} // namespace storemesh::actors::router
