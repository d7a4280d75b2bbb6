#pragma once
// Reads delivery's world (actors/agents/delivery/world.hpp) from the log.

#include "actors/agents/delivery/world.hpp"
#include "ops/cli_context.hpp"

namespace storemesh::ops {

[[nodiscard]] agents::delivery::world read_delivery_world(const data_options& data);

} // namespace storemesh::ops
