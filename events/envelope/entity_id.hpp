#pragma once
// Entity ids are record keys, file names in snapshots and words on command
// lines, so they are restricted to characters that are safe in all three.

#include <cstddef>
#include <string_view>

namespace storemesh::events::envelope {

inline constexpr std::size_t max_entity_id_size = 128;

/// True for 1-128 characters of [A-Za-z0-9._:@-] not starting with '.'
/// (no hidden files, no "." or "..").
[[nodiscard]] bool is_valid_entity_id(std::string_view id) noexcept;

} // namespace storemesh::events::envelope
