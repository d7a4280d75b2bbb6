#pragma once
// An entity's key across the runtime (the router's actors, restored images,
// the fleet board, log lines): "kind/id". Kinds hold no '/'; ids may, so the
// first '/' splits a key.

#include <string>
#include <string_view>

namespace storemesh::actors {

[[nodiscard]] inline std::string entity_key(std::string_view kind, std::string_view id) {
  std::string key;
  key.reserve(kind.size() + 1 + id.size());
  key.append(kind).push_back('/');
  key.append(id);
  return key;
}

[[nodiscard]] inline std::string_view entity_id_of(std::string_view key) { return key.substr(key.find('/') + 1); }

} // namespace storemesh::actors
