#pragma once
// The real data plane (actors/agents/router_plane/datagram_plane) behind the
// agent's forwarding_sink: what `storemesh router run` starts.

#include "actors/agents/router/forwarding_sink.hpp"

#include <filesystem>

namespace storemesh::actors::router {

/// Starts a datagram_plane for the router on its UDP endpoint, with the
/// receive log at `receive_log` (empty: none).
[[nodiscard]] sink_factory datagram_plane_factory(std::filesystem::path receive_log);

} // namespace storemesh::actors::router
