#include "ops/datastore_arg.hpp"

#include "ops/cli_context.hpp"

#include <filesystem>

namespace storemesh::ops {

services::host::datastore parse_datastore(const std::string& spec) {
  const auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
    throw cli_error("--datastore wants NAME=PATH, got '" + spec + "'", 2);
  // A relative path means relative to here; the host decider insists on a
  // normalised absolute path, so make it one.
  auto path = std::filesystem::absolute(spec.substr(eq + 1)).lexically_normal().string();
  if (path.size() > 1 && path.back() == '/')
    path.pop_back();
  return {spec.substr(0, eq), path};
}

} // namespace storemesh::ops
