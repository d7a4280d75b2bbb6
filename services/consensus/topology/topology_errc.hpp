#pragma once
// Conditions the topology parser and the datagram decoder report. Every error
// carries a detail string for the human: for the parser it starts with the
// line ("line 4: expected 'via', got 'vai' (column 22)"), for the decoder it
// names the field and the sizes involved.

#include <system_error>

namespace storemesh::services::consensus {

enum class topology_errc {
  // -- topology text (parse_topology) --
  /// The text is larger than max_topology_bytes.
  file_too_large = 1,
  /// The text has more than max_topology_lines lines.
  too_many_lines,
  /// A line is longer than max_line_bytes.
  line_too_long,
  /// A byte that is neither printable ASCII nor a tab (a NUL, a control
  /// character, UTF-8); the detail names the byte and its column.
  bad_character,
  /// The first word of a statement is not topology, prefix or route.
  unknown_statement,
  /// A keyword or a value is missing or not the expected one ("expected
  /// 'via', got 'vai'"), or words follow a complete statement.
  unexpected_token,
  /// Not an IPv4 prefix a.b.c.d/n, or host bits set beyond /n.
  bad_prefix,
  /// A router name outside [a-z0-9_-]{1,32}.
  bad_router_name,
  /// A version or metric that is not a decimal number in its range.
  bad_number,
  /// No 'topology VERSION' statement, or it is not the first statement.
  missing_version,
  /// A second 'topology' statement.
  duplicate_version,
  /// More than max_prefixes prefix statements or max_routes route statements.
  too_many_statements,
  // -- data plane datagrams (decode_datagram / encode_datagram) --
  /// Fewer bytes than a datagram header.
  datagram_short,
  /// More bytes than max_datagram_bytes (or a payload that would make it so).
  datagram_too_large,
  /// The first four bytes are not "SMDG".
  datagram_bad_magic,
  /// A format version this decoder does not know.
  datagram_bad_version,
  /// The payload length field disagrees with the bytes received.
  datagram_length_mismatch,
};

const std::error_category& topology_category() noexcept;

inline std::error_code make_error_code(topology_errc e) noexcept {
  return {static_cast<int>(e), topology_category()};
}

} // namespace storemesh::services::consensus

template <>
struct std::is_error_code_enum<storemesh::services::consensus::topology_errc> : std::true_type {};
