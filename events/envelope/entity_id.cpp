#include "events/envelope/entity_id.hpp"

namespace storemesh::events::envelope {

bool is_valid_entity_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > max_entity_id_size || id.front() == '.') return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == ':' || c == '@' || c == '-';
    if (!ok) return false;
  }
  return true;
}

} // namespace storemesh::events::envelope
