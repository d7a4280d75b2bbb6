#include "ops/inject.hpp"

#include <fmt/core.h>

#include <cstdlib>

namespace storemesh::ops {

void add_inject_options(CLI::App& cmd, inject_options& o) {
  add_data_options(cmd, o.data);
  if (const char* env = std::getenv("STOREMESH_KEY"))
    o.key = env;
  cmd.add_option("--key", o.key, "private key that signs the command (default $STOREMESH_KEY)");
  cmd.add_flag("--no-wait", o.no_wait, "append the command and return without waiting for its outcome");
  if (const char* env = std::getenv("STOREMESH_TIMEOUT"); env != nullptr && std::atof(env) > 0)
    o.timeout_seconds = std::atof(env);
  cmd.add_option("--timeout", o.timeout_seconds, "seconds to wait for the outcome (default $STOREMESH_TIMEOUT, else 30)");
}

command_outcome inject(const inject_options& o, const command_request& request, bool quiet) {
  auto key = load_signing_key(o.key);
  auto log = open_log(o.data, false);
  command_client client(*log, o.data.names, key);
  auto outcome = client.submit(request, !o.no_wait,
                               std::chrono::milliseconds(static_cast<std::int64_t>(o.timeout_seconds * 1000)));
  if (o.no_wait) {
    if (!quiet)
      fmt::print("submitted\n");
    return outcome;
  }
  if (!outcome.accepted)
    throw cli_error(fmt::format("rejected ({}): {}", outcome.code, outcome.reason));
  if (!quiet) {
    fmt::print("accepted\n");
    for (const auto& e : outcome.event_json)
      fmt::print("  {}\n", e);
  }
  return outcome;
}

} // namespace storemesh::ops
