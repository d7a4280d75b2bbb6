#pragma once
// The runtime's invariants, checked over the simulated log by code that
// shares nothing with what it checks (DESIGN.md, How we test): it decodes the
// envelopes itself and hashes with libsodium directly.
//
//  - per entity, event sequences are 1..N in log order, each event linked to
//    the previous one's hash;
//  - every command is decided once: the events one command id causes come
//    from one decision (one entity, one command record, consecutive
//    sequences, one instant of the simulated clock), and a command id is never both accepted and refused for a
//    reason other than being a repeat;
//  - at the end (everything settled) every command record is behind its
//    partition's committed position: none is left undecided.

#include "sim/scenario.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>

namespace storemesh::sim {

class runtime_invariants {
public:
  /// Checks the records appended since the last call; the first violation.
  [[nodiscard]] std::optional<std::string> check(const log_view& log);

private:
  struct chain {
    std::uint64_t seq = 0;
    std::string last_hash;  ///< 32 bytes; empty before the first
  };
  struct decision {
    std::string entity;
    std::int64_t command_offset = -1;
    std::uint64_t last_seq = 0;
    /// One decision's events are made in one step of the simulated clock, so
    /// a command decided again (a redelivery at the same offset, right after
    /// its first events) is told apart by its time.
    std::int64_t decided_ns = 0;
  };
  std::size_t seen_ = 0;
  std::map<std::string, chain> chains_;
  std::map<std::string, decision> accepted_;      ///< command id -> its decision
  std::map<std::string, std::string> refused_;    ///< command id -> code (not a repeat's)
};

} // namespace storemesh::sim
