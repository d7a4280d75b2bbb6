#pragma once
// A content (id: its name) kept at the origin: its size, hash and coding,
// and the CRC32C of every slice, so that an edge's confirmation and a
// fetch's read are checked against what the origin coded, not against what
// an edge says.
//
//   add --> added  (again with the same: accepted, no event; different: already_added)

#include "services/decision.hpp"
#include "services/delivery/layout.hpp"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace storemesh::services::delivery::content {

struct added {
  delivery::geometry geometry;
  std::string sha256;  ///< 64 lowercase hex digits of the whole content
  std::string origin;  ///< the file's name in the origin store (check_relative_path)
  /// The standard CRC32C (as events/file_log/batch_format.hpp computes it) of each slice's payload, index
  /// segment * (k + m) + pillar: segments(geometry) * pillars(geometry) entries.
  std::vector<std::uint32_t> slice_crc32c;
  std::int64_t at_ns = 0;
  bool operator==(const added& o) const;
};
using event = std::variant<added>;

struct state {
  bool exists = false;
  delivery::geometry geometry;
  std::string sha256, origin;
  std::vector<std::uint32_t> slice_crc32c;
  std::int64_t added_ns = 0;
  bool operator==(const state& o) const;
};
inline const state initial{};
[[nodiscard]] state evolve(state s, const event& e);

/// The CRC32C the origin recorded for slice (segment, pillar); false if out of range.
[[nodiscard]] bool expected_crc(const state& s, std::uint32_t segment, std::uint32_t pillar, std::uint32_t& out);

struct add {
  delivery::geometry geometry;
  std::string sha256, origin;
  std::vector<std::uint32_t> slice_crc32c;
  std::int64_t at_ns = 0;
};
using command = std::variant<add>;

/// Codes: invalid (check_geometry, sha256 shape, origin path, crc count), already_added.
[[nodiscard]] decision<event> decide(const state& s, const command& c);

} // namespace storemesh::services::delivery::content
