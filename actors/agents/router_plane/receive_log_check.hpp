#pragma once
// receive_log_check: reads routers' receive logs (datagram_plane.hpp has the
// format) and says, per flow, which sequences were delivered, twice or never,
// and which path each took. What `storemesh datagram check` prints and what
// end-to-end tests assert with; it shares no code with the plane that wrote
// the logs beyond the format.
//
// A router's name is its log file's stem (r1.log -> r1). A datagram's path is
// the routers whose logs mention its (flow, sequence), ordered by the hop
// count they received it with: "r1>r2>r3".

#include "events/error.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace storemesh::actors::router_plane {

/// One line of a receive log (malformed datagrams' lines, "- - - -", have no
/// flow: has_ids is false).
struct log_record {
  bool has_ids = false;
  std::uint32_t flow = 0;
  std::uint64_t sequence = 0;
  std::uint32_t epoch = 0;
  unsigned hops = 0;
  std::string action;  // forward:<next> | deliver | drop:<reason>
  std::string detail;
};

struct router_log {
  std::string router;
  std::vector<log_record> records;
  std::size_t bad_lines = 0;  // lines that are not in the format (counted, skipped)
};

/// Reads one log; the router is the file's stem. log_failed if it cannot be opened.
[[nodiscard]] result<router_log> read_receive_log(const std::filesystem::path& file);

struct flow_report {
  std::uint32_t flow = 0;
  std::uint64_t expected = 0;     ///< sequences 1 .. expected should be delivered
  std::uint64_t delivered = 0;    ///< distinct sequences delivered
  std::uint64_t duplicates = 0;   ///< deliveries beyond the first of a sequence
  std::uint64_t lost = 0;         ///< sequences in 1 .. expected never delivered
  std::vector<std::uint64_t> first_lost;  ///< up to 10 of them
  /// Delivered datagrams by (epoch they were routed by, path): how many.
  std::map<std::pair<std::uint32_t, std::string>, std::uint64_t> paths;
};

struct check_report {
  std::vector<flow_report> flows;                 ///< by flow id
  std::map<std::string, std::uint64_t> drops;     ///< "no_route", "malformed" ... over all logs
  std::size_t bad_lines = 0;
  /// At least one flow, and no duplicate, no loss in any (logs that show no
  /// flow at all prove nothing).
  [[nodiscard]] bool ok() const;
};

/// `expected`: the sequences each flow was sent (1 .. expected); without it,
/// 1 .. the highest sequence any log shows for the flow (a loss at the tail
/// is then invisible). `flows`: reported even when no log mentions them (all
/// lost).
[[nodiscard]] check_report check_receive_logs(const std::vector<router_log>& logs,
                                              std::optional<std::uint64_t> expected = std::nullopt,
                                              const std::vector<std::uint32_t>& flows = {});

} // namespace storemesh::actors::router_plane
