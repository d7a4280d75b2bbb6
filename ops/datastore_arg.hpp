#pragma once
// --datastore NAME=PATH, as `host add` and `gateway add` take it.

#include "services/host/host.hpp"

#include <string>

namespace storemesh::ops {

/// NAME=PATH with PATH made absolute and normalised (the host decider insists
/// on that); throws cli_error (exit 2) for anything else.
[[nodiscard]] services::host::datastore parse_datastore(const std::string& spec);

} // namespace storemesh::ops
