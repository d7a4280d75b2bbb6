#pragma once
// What every part of delivery agrees on: where things are, how content is cut
// into slices, and the name of each slice. Pure values; the coder
// (coding/), the planner (planning/), the deciders and the agents share them.
//
// A content of `bytes` bytes is cut into segments of `segment_bytes` (the
// last one zero-padded); each segment is Reed-Solomon coded into k data and
// m parity slices ("pillars" 0..k-1 data, k..k+m-1 parity) of `slice_bytes`
// each, so that any k of a segment's k+m slices rebuild it.

#include <cstdint>
#include <string>
#include <string_view>

namespace storemesh::services::delivery {

/// A place on the operator's map, in metres on a plane (proximity is the
/// Euclidean distance; integers so that events compare exactly).
struct location {
  std::int64_t x_m = 0, y_m = 0;
  bool operator==(const location& o) const { return x_m == o.x_m && y_m == o.y_m; }
};
[[nodiscard]] double distance_m(location a, location b);

/// The coding of one content.
struct geometry {
  std::uint64_t bytes = 0;          ///< the content's size
  std::uint64_t segment_bytes = 0;  ///< data bytes per segment (the last one may hold fewer)
  std::uint32_t k = 0, m = 0;       ///< data and parity slices per segment
  bool operator==(const geometry& o) const {
    return bytes == o.bytes && segment_bytes == o.segment_bytes && k == o.k && m == o.m;
  }
};

/// Limits the coder and the deciders check a geometry against.
inline constexpr std::uint32_t max_k = 32, max_m = 16;
inline constexpr std::uint64_t min_segment_bytes = 4096, max_segment_bytes = 64ull << 20;
/// Slices are padded to this so that ISA-L's vector loops never see a tail.
inline constexpr std::uint64_t slice_alignment = 64;

/// "" when valid, else why not: bytes > 0, 1 <= k <= max_k, 1 <= m <= max_m,
/// min_segment_bytes <= segment_bytes <= max_segment_bytes, segment_bytes a
/// multiple of slice_alignment.
[[nodiscard]] std::string check_geometry(const geometry& g);
[[nodiscard]] std::uint64_t segments(const geometry& g);     ///< ceil(bytes / segment_bytes)
[[nodiscard]] std::uint64_t slice_bytes(const geometry& g);  ///< ceil(segment_bytes / k) rounded up to slice_alignment
[[nodiscard]] std::uint32_t pillars(const geometry& g);      ///< k + m
/// Data bytes segment s holds (segment_bytes, or less for the last).
[[nodiscard]] std::uint64_t segment_data_bytes(const geometry& g, std::uint64_t segment);

/// One slice: content, segment, pillar. Its text form `<content>.<segment>.<pillar>`
/// (decimal) is its file name at an edge and its path in the edge's HTTP API.
struct slice_ref {
  std::string content;
  std::uint32_t segment = 0, pillar = 0;
  bool operator==(const slice_ref& o) const {
    return content == o.content && segment == o.segment && pillar == o.pillar;
  }
  bool operator<(const slice_ref& o) const;
};
[[nodiscard]] std::string to_string(const slice_ref& s);
/// Parses the text form; false if it is not one (bad name, not decimal, overflow).
[[nodiscard]] bool parse_slice_ref(std::string_view text, slice_ref& out);

/// A delivery's id: `<group>:<content>` (both names, check_name's alphabet, which has no ':'; an
/// envelope's entity id allows [A-Za-z0-9._:@-] only, so '~' could not be used).
[[nodiscard]] std::string delivery_id(std::string_view group, std::string_view content);
/// Splits a delivery id; false if it is not one.
[[nodiscard]] bool parse_delivery_id(std::string_view id, std::string& group, std::string& content);

} // namespace storemesh::services::delivery
