#pragma once
// Bugs planted on purpose, for the simulator to find (`storemesh sim
// --plant NAME`, tests/sim). Each switch sits in the one place the real rule
// lives, so what the simulator proves about the unplanted code is proved of
// the code production runs: there is no second copy of a rule to plant it in.
// Nothing but the simulator's command line sets them; they are off otherwise
// and cost one relaxed load where they are read.

#include <atomic>
#include <optional>
#include <string_view>

namespace storemesh::events {

enum class planted_bug : unsigned {
  skip_dedup = 1u << 0,       ///< an entity decides a command id it has already decided
  skip_fencing = 1u << 1,     ///< an append decided under an ended tenure passes
  promote_lagging = 1u << 2,  ///< the quorum promotes a node without the caught-up check
};

inline std::atomic<unsigned>& planted_bugs() {
  static std::atomic<unsigned> bugs{0};
  return bugs;
}

[[nodiscard]] inline bool planted(planted_bug b) {
  return (planted_bugs().load(std::memory_order_relaxed) & static_cast<unsigned>(b)) != 0;
}

/// "skip_dedup", "skip_fencing", "promote_lagging"; none for another name.
[[nodiscard]] inline std::optional<planted_bug> planted_bug_named(std::string_view name) {
  if (name == "skip_dedup")
    return planted_bug::skip_dedup;
  if (name == "skip_fencing")
    return planted_bug::skip_fencing;
  if (name == "promote_lagging")
    return planted_bug::promote_lagging;
  return std::nullopt;
}

} // namespace storemesh::events
