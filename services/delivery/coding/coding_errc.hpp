#pragma once
// Conditions of delivery's data plane: the Reed-Solomon coder, segment
// coding, the slice file format and the origin's manifest.
// bad_geometry and bad_pillar are the caller's mistakes; too_few_slices means
// a fetch has to find more slices (or go to the origin); short_header ..
// bad_sizes mean bytes that are not a slice header we accept; corrupt_payload
// and unexpected_crc mean a slice that must not be used; io_error is about
// the file being coded.

#include <system_error>

namespace storemesh::services::delivery {

enum class coding_errc {
  /// k or m out of 1..max_k / 1..max_m, or a geometry that check_geometry
  /// refuses (the detail says why).
  bad_geometry = 1,
  /// A pillar number >= k + m, or a buffer or length that does not fit the
  /// geometry (a segment longer than segment_bytes, a payload of the wrong size).
  bad_pillar,
  /// Fewer than k distinct slices of a segment were given to a decode.
  too_few_slices,
  /// The k x k submatrix of the present pillars did not invert. Cannot happen
  /// with the Cauchy matrix the coder builds; kept so a broken matrix is
  /// reported, not used.
  singular,
  /// Fewer bytes than a slice header.
  short_header,
  /// The first four bytes are not "SMSL".
  bad_magic,
  /// A format version this code does not read.
  bad_version,
  /// The header's own CRC32C does not match its bytes.
  header_checksum,
  /// The content's name in the header is not a name (check_name), or its
  /// padding is not zero.
  bad_name,
  /// Header fields that contradict each other or the geometry: segment or
  /// pillar out of range, payload bytes != slice_bytes(geometry), a reserved
  /// field not zero, a header length other than the one of its version.
  bad_sizes,
  /// A payload whose CRC32C is not the one in its header: corrupted at rest
  /// or on the wire.
  corrupt_payload,
  /// A payload that matches its header, but not the CRC32C the origin
  /// recorded for that slice: not the slice the origin coded.
  unexpected_crc,
  /// Opening or reading the file being coded failed, or it changed size
  /// while being read (the detail names the call and the path).
  io_error,
};

const std::error_category& coding_category() noexcept;

inline std::error_code make_error_code(coding_errc e) noexcept { return {static_cast<int>(e), coding_category()}; }

} // namespace storemesh::services::delivery

template <>
struct std::is_error_code_enum<storemesh::services::delivery::coding_errc> : std::true_type {};
