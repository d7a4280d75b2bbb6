#pragma once
// The process managers' reactions this build runs: which event kinds each
// reads and the pure function that answers them (services/*/reactions.hpp).
// Adding a module's reactions means adding one line to reactors().

#include "services/fleet/fleet.hpp"
#include "services/reaction.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::actors {

struct reactor {
  std::string name;  ///< part of every issued command's id: keep it stable
  std::vector<std::string_view> inputs;
  std::function<std::vector<services::issued_command>(std::string_view kind, const std::string& id,
                                                      schema::Envelope::Reader event,
                                                      const services::fleet::view& fleet)>
      react;
};

[[nodiscard]] const std::vector<reactor>& reactors();

} // namespace storemesh::actors
