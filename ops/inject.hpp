#pragma once
// How a subcommand injects one signed command and reports its outcome:
// --key, --no-wait and --timeout, shared by every module's subcommands.

#include "ops/cli_context.hpp"
#include "ops/command_client.hpp"

#include <string>

namespace storemesh::ops {

struct inject_options {
  data_options data;
  std::string key;
  bool no_wait = false;
  double timeout_seconds = 30;
};

void add_inject_options(CLI::App& cmd, inject_options& o);

/// Signs and appends the command; unless --no-wait, waits for its outcome and
/// throws cli_error when it is rejected. quiet: print nothing on success.
command_outcome inject(const inject_options& o, const command_request& request, bool quiet = false);

/// The same for one entity's typed command.
template <class Entity>
command_outcome inject(const inject_options& o, const std::string& id, const typename Entity::command_type& c,
                       bool quiet = false) {
  return inject(o, command_request{std::string(Entity::kind), id,
                                   [&](schema::Envelope::Builder b) { Entity::write_command(c, b); }},
                quiet);
}

} // namespace storemesh::ops
