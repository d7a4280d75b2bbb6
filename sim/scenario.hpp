#pragma once
// A simulation scenario: the operators and agents of one mechanism, as a
// source of commands, and the mechanism's own invariants over the log.
//
// The simulator (sim/world.hpp) owns the log, the clock, the daemons, their
// group, the network between clients and the log, and every fault. A
// scenario owns only what acts from outside the daemons: an operator issuing
// commands, and agents (a copy agent and its simulated disk, a director, an
// edge) that read the events decided so far and report back, exactly as the
// real agents take their requests from the log. Everything a scenario does is
// drawn from the rng it is given, so a seed replays it bit for bit.
//
//   setup(ctx)  once: the commands that build the scenario's world
//   step(ctx)   every step: the commands issued now (often none)
//   check(log)  after every step: the first violation of the mechanism's
//               invariants, if any
//
// Commands are services::issued_command (the reactions' type): the simulator
// gives each a fresh id, signs it, stamps it with the issuer's (skewed) clock
// and sends it over the simulated network.

#include "events/envelope/decoded_envelope.hpp"
#include "services/reaction.hpp"
#include "sim/rng.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::sim {

/// One record of the simulated log, in the order the log made it durable.
struct logged_record {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string key;
  std::string bytes;
  std::shared_ptr<const events::envelope::decoded_envelope> env;  ///< null if it does not decode
};

/// The simulated log as a scenario reads it: every record durable so far, in
/// append order across topics (index 0 is the first record ever appended).
class log_view {
public:
  virtual ~log_view() = default;
  [[nodiscard]] virtual std::size_t size() const = 0;
  [[nodiscard]] virtual const logged_record& at(std::size_t i) const = 0;
  [[nodiscard]] virtual const std::string& events_topic(std::string_view kind) const = 0;
  [[nodiscard]] virtual const std::string& rejected_topic() const = 0;
  [[nodiscard]] virtual const std::string& commands_topic() const = 0;
};

/// The faults a run enables that a scenario's agents act out themselves (the
/// simulator acts out the rest: crashes, rebalances, network, log).
struct agent_faults {
  bool disk_full = false;   ///< a write may fail with ENOSPC
  bool torn_write = false;  ///< a crash may leave a chunk half written
  bool slow_disk = false;   ///< a write may take many steps
};

struct step_context {
  rng& random;
  const log_view& log;
  std::int64_t now_ns = 0;  ///< the simulated clock (the issuer's skew is the simulator's)
  std::uint64_t step = 0;
  agent_faults faults;
};

class scenario {
public:
  virtual ~scenario() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  virtual void setup(step_context& ctx, std::vector<services::issued_command>& out) = 0;
  virtual void step(step_context& ctx, std::vector<services::issued_command>& out) = 0;
  /// The first violation of this mechanism's invariants in `log`, or none.
  /// Must hold after every step, whatever the faults: a command refused or
  /// not yet decided is never a violation, a wrong decision is.
  [[nodiscard]] virtual std::optional<std::string> check(const log_view& log) = 0;
};

} // namespace storemesh::sim
