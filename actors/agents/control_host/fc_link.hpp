#pragma once
// The control host's FC link: one fc_initiator per storage system's FC port
// (actors/agents/storage_system), opened on first use and kept.

#include "actors/agents/control_host/control_host_agent.hpp"

namespace storemesh::actors::control_host {

/// An fc_link over real initiators. A link that dropped mid-exchange is tried
/// once more with the same OX_ID: the port answers a repeat of an exchange it
/// finished from what it kept, without running it again.
[[nodiscard]] fc_link fc_initiator_link();

} // namespace storemesh::actors::control_host
