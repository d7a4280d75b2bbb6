#pragma once
// A topology file, parsed: which router delivers which IPv4 prefix, and at
// each router which next hop traffic for a prefix goes to. The text format is
// specified in FORMAT.md beside this header; in short:
//
//   # comments run from '#' to the end of the line; blank lines are fine
//   topology 7                              # first statement: the version (1 .. 2^64-1)
//   prefix 10.1.0.0/16 at r3                # r3 delivers 10.1.0.0/16 (it is attached there)
//   prefix 10.9.0.0/16                      # declared, delivered nowhere: check_topology refuses it
//   route r1 10.1.0.0/16 via r2 metric 10   # at r1, traffic for the prefix goes to r2
//   route r1 10.1.0.0/16 via r4 metric 20   # another path: the lowest metric wins, ties by next hop name
//
// One statement per line; words are separated by spaces or tabs; a line ends
// with "\n" (a "\r" before it is ignored). Router names are [a-z0-9_-]{1,32};
// prefixes are a.b.c.d/n with the host bits zero; a metric is 0 .. 2^32-1.
//
// parse_topology only parses: it refuses what cannot be read (with the line,
// and the column where one word is at fault) and the bounds below. Whether the
// routes make sense -- known routers, duplicates, loops, reachability -- is
// check_topology's job (topology_check.hpp), which reports every problem at
// once instead of the first.

#include "events/error.hpp"
#include "services/consensus/topology/route_prefix.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::services::consensus {

// -- bounds: a file beyond them is refused before it costs anything more --
/// Bytes of a topology file (4 MiB).
inline constexpr std::size_t max_topology_bytes = 4u << 20;
/// Lines of a topology file, comments and blank lines included.
inline constexpr std::size_t max_topology_lines = 200'000;
/// Bytes of one line, its comment included, "\n" excluded.
inline constexpr std::size_t max_line_bytes = 1024;
/// `prefix` statements.
inline constexpr std::size_t max_prefixes = 50'000;
/// `route` statements.
inline constexpr std::size_t max_routes = 50'000;
/// Characters of a router name.
inline constexpr std::size_t max_router_name = 32;

/// [a-z0-9_-]{1,32}
[[nodiscard]] bool is_router_name(std::string_view name) noexcept;

/// `prefix P at R`: router R delivers P (the prefix is attached there).
struct prefix_statement {
  route_prefix prefix;
  std::optional<std::string> at;  // nothing: `prefix P` alone (check_topology refuses it)
  std::size_t line = 0;           // 1-based line in the text; not part of equality
};

/// `route OWNER P via NEXT metric M`: at OWNER, traffic for P goes to NEXT.
struct route_statement {
  std::string owner;
  route_prefix prefix;
  std::string via;
  std::uint32_t metric = 0;
  std::size_t line = 0;  // not part of equality
};

struct topology {
  std::uint64_t version = 0;  // a file's is >= 1; 0 only in a default-made (empty) topology
  std::vector<prefix_statement> prefixes;  // in file order
  std::vector<route_statement> routes;     // in file order
};

/// Same statement, line aside.
bool operator==(const prefix_statement& a, const prefix_statement& b);
bool operator==(const route_statement& a, const route_statement& b);
/// Same version and the same statements, as multisets: order and line
/// numbers aside (so parse_topology(canonical_text(t)) == t).
bool operator==(const topology& a, const topology& b);
inline bool operator!=(const topology& a, const topology& b) { return !(a == b); }

/// Parses a topology text. Errors (topology_errc) with a detail that starts
/// with the line: "line 4: expected 'via', got 'vai' (column 22)".
[[nodiscard]] result<topology> parse_topology(std::string_view text);

/// The normal form: "topology V", then the prefixes sorted by (address,
/// length, at), then the routes sorted by (owner, prefix, via, metric); one
/// space between words, no comments, "\n" after every line. Two files that
/// mean the same statements have the same canonical text (and hash).
[[nodiscard]] std::string canonical_text(const topology& t);

/// "prefix 10.1.0.0/16 at r3", "route r1 10.1.0.0/16 via r2 metric 10": one
/// statement as canonical_text prints it.
/// The routers a topology names: prefixes' `at`, routes' owners and next hops.
[[nodiscard]] std::set<std::string> named_routers(const topology& t);

[[nodiscard]] std::string to_string(const prefix_statement& s);
[[nodiscard]] std::string to_string(const route_statement& s);

} // namespace storemesh::services::consensus
