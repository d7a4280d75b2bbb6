#pragma once
// Migration: the process manager that moves a running copy job from host A to
// host B, one entity per migration (id "<job>:<n>", migration_id()). It is
// event-sourced like any entity; its reactions (reactions.hpp) turn each of
// its steps into the job's next command, so a daemon killed between two
// steps resumes at the step it had recorded.
//
//   begun (request 2 to A) -> portion_received X (request 3 to B) -> resumed
//   begun or portion_received -> ended   (the job completed or failed first)

#include "services/decision.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace storemesh::services::migration {

enum class outcome : std::uint8_t { completed, failed };
enum class phase : std::uint8_t { none, stopping_source, handing_over, resumed, ended };

// -- events ------------------------------------------------------------------------

struct begun {
  std::string job;
  std::uint32_t migration = 0;
  std::string from, to, reason;
  bool operator==(const begun&) const;
};
struct portion_received {
  std::uint64_t offset = 0;
  bool operator==(const portion_received& o) const { return offset == o.offset; }
};
struct resumed {
  std::uint32_t epoch = 0;
  bool operator==(const resumed& o) const { return epoch == o.epoch; }
};
struct ended {
  outcome result = outcome::completed;
  bool operator==(const ended& o) const { return result == o.result; }
};

using event = std::variant<begun, portion_received, resumed, ended>;

// -- state -------------------------------------------------------------------------

struct state {
  phase at = phase::none;
  std::string job;
  std::uint32_t migration = 0;
  std::string from, to, reason;
  std::uint64_t offset = 0;
  std::uint32_t epoch = 0;
  outcome result = outcome::completed;
  bool operator==(const state&) const;
};

inline const state initial{};

[[nodiscard]] state evolve(state s, const event& e);

// -- commands (observations of the job's events) -----------------------------------

struct begin {
  std::string job;
  std::uint32_t migration = 0;
  std::string from, to, reason;
};
struct observe_portion { std::uint64_t offset = 0; };
struct observe_resumed { std::uint32_t epoch = 0; };
struct observe_end { outcome result = outcome::completed; };

using command = std::variant<begin, observe_portion, observe_resumed, observe_end>;

[[nodiscard]] decision<event> decide(const state& s, const command& c);

/// "<job>:<n>": the entity id of a job's n-th migration.
[[nodiscard]] std::string migration_id(const std::string& job, std::uint32_t n);
/// The job and migration number a migration id names; none if malformed.
[[nodiscard]] std::optional<std::pair<std::string, std::uint32_t>> parse_migration_id(const std::string& id);
[[nodiscard]] std::string_view to_string(phase p);
[[nodiscard]] std::string_view to_string(outcome o);

} // namespace storemesh::services::migration
