#pragma once
// A device of a group fetching a content (`storemesh fetch`): every segment
// rebuilt from k slices at the group's nearest edges that confirmed them,
// each slice checked against the CRC32C the origin recorded (a corrupted or
// substituted slice is not used: the next holder's is); a segment with fewer
// than k good slices comes from the origin (a range request), and only that
// segment. The whole is checked against the content's SHA-256 before it is
// renamed to `out`; a mismatch leaves nothing.

#include "actors/agents/delivery/world.hpp"
#include "events/error.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace storemesh::agents::delivery {

struct fetch_options {
  std::string content, group;
  std::filesystem::path out;
  std::chrono::milliseconds timeout{10'000};  ///< per request
};

struct source_tally {
  std::uint64_t slices = 0, bytes = 0;  ///< used
  std::uint64_t corrupt = 0;            ///< refused by their checksum
  bool unreachable = false;
};

struct fetch_report {
  std::string content, group, sha256;
  std::uint64_t bytes = 0, segments = 0;
  std::uint64_t segments_from_edges = 0, segments_from_origin = 0;
  std::uint64_t edge_bytes = 0, origin_bytes = 0;  ///< bytes read from each
  std::map<std::string, source_tally> edges;
  std::vector<std::string> corrupt;  ///< "<slice> at <edge>: why"
  bool verified = false;
};

[[nodiscard]] result<fetch_report> fetch_content(const world& w, const fetch_options& o);

} // namespace storemesh::agents::delivery
