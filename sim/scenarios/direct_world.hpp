#pragma once
// For the scenarios' tests only: a world without the simulator, in which
// every command a scenario issues is signed into a command record, decided at
// once by its entity's decider (through its codec, on a state folded by its
// evolve; with the fleet view for the deciders that read it, which the
// entities publish to as they do in the daemon), and its events chained and
// appended to a test_log the way the runtime writes them, a refusal as a
// rejection record. With react(), every event is answered by the runtime's
// reactions (actors::react_to) and what they issue is decided the same way,
// before the next command. The network may lose, repeat and hold back
// commands (then overtaken by later ones).
//
// It shows a scenario's agents driving their mechanism and its check()
// passing that history, and a planted bug caught (a test hosts a decider with
// a check skipped in place of the real one). The runtime's own faults
// (crashes, dedup, fencing) are the simulator's (sim/world.hpp), not here.
//
//   direct_world w;
//   w.host<access::entity>();            // or several: host<A, B>()
//   w.react();                           // if the scenario needs reactions
//   auto v = w.run(scenario, seed, steps, lossy);   // the first violation
//   w.rejected["scan_required"]          // how often each code was answered

#include "actors/core/reaction_step.hpp"
#include "actors/entity_traits.hpp"
#include "services/fleet/fleet.hpp"
#include "sim/rng.hpp"
#include "sim/scenario.hpp"
#include "sim/test_log.hpp"
#include "sim/test_records.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace storemesh::sim::testing {

/// The network between a scenario and the log, per mille of commands: lost,
/// sent twice (the copy 1 to 3 steps later), held back 1 to `max_delay` steps.
/// A repeat is a new command here (the simulator's keep their id), so only
/// agents that cope with deciding a report twice are given duplicates.
struct network {
  unsigned lose_per_mille = 0, duplicate_per_mille = 0, delay_per_mille = 0;
  unsigned max_delay = 5;
};
/// Commands lost (1 in 20) and overtaken (1 in 10 held back).
inline constexpr network lossy{50, 0, 100};

/// C as written: its envelope's kind, id and payload (no command id, no clock).
inline std::string written(const services::issued_command& c) {
  capnp::MallocMessageBuilder message;
  auto env = message.initRoot<schema::Envelope>();
  env.setEntityKind(c.kind);
  env.setEntityId(c.id);
  c.write(env);
  const auto words = capnp::messageToFlatArray(message);
  return {reinterpret_cast<const char*>(words.asBytes().begin()), words.asBytes().size()};
}

/// What a scenario issues when nothing it sends is ever decided (its agents
/// read an empty log): for "its commands decode, and a seed replays them".
struct issued {
  std::vector<services::issued_command> commands;
  std::vector<std::string> written;  ///< each as written
  bool all_decode = true;            ///< each one's kind is one of the Entities and reads with its codec
};

/// Runs S from `seed` for `steps` steps of 100 ms against an empty log.
template <class... Entities>
issued issued_unanswered(scenario& s, std::uint64_t seed, std::uint64_t steps) {
  rng random(seed);
  test_log empty;
  step_context ctx{random, empty, 1'000'000'000, 0, {}};
  issued out;
  s.setup(ctx, out.commands);
  for (std::uint64_t i = 1; i <= steps; ++i) {
    ctx.step = i;
    ctx.now_ns += 100'000'000;
    s.step(ctx, out.commands);
  }
  for (const auto& c : out.commands) {
    out.written.push_back(written(c));
    capnp::MallocMessageBuilder message;
    auto env = message.initRoot<schema::Envelope>();
    c.write(env);
    const bool decodes = ((c.kind == Entities::kind && Entities::read_command(env.asReader()).has_value()) || ...);
    out.all_decode = out.all_decode && decodes;
  }
  return out;
}

class direct_world {
public:
  direct_world() = default;
  direct_world(const direct_world&) = delete;  // its deciders hold `this`
  direct_world& operator=(const direct_world&) = delete;

  test_log log;
  services::fleet::view fleet;
  std::map<std::string, std::size_t> rejected;  ///< by code
  std::size_t decided = 0;  ///< accepted
  std::size_t rejections = 0, events = 0, undecodable = 0;
  std::optional<std::string> violation;  ///< what run() found, if anything
  std::vector<std::string> trace;        ///< every command sent, as written (no id, no clock), in order

  /// Decides the commands of these entities' kinds with their deciders.
  template <class... Entities>
  void host() {
    (host_one<Entities>(), ...);
  }

  /// Answers every event with the runtime's reactions.
  void react() { reacting_ = true; }

  /// Decides C at once, then what the reactions to its events issue, and so
  /// on, in order.
  void submit(services::issued_command c) {
    std::deque<services::issued_command> queue;
    queue.push_back(std::move(c));
    while (!queue.empty()) {
      const auto first_new = log.size();
      decide_one(queue.front());
      queue.pop_front();
      if (!reacting_)
        continue;
      std::vector<actors::reaction> next;
      for (auto i = first_new; i < log.size(); ++i)
        if (log.at(i).env && log.at(i).topic != log.commands_topic() && log.at(i).topic != log.rejected_topic())
          actors::react_to(*log.at(i).env, fleet, next);
      for (auto& r : next)
        queue.push_back(std::move(r.command));
    }
  }

  /// One step: sends CMDS (emptied) over NET, drawing its faults from
  /// RANDOM, and decides those due now.
  void send(std::vector<services::issued_command>& cmds, const network& net, rng& random) {
    for (auto& c : cmds) {
      trace.push_back(written(c));
      if (random.chance(net.lose_per_mille))
        continue;
      if (random.chance(net.duplicate_per_mille))
        held_.emplace_back(step_ + 1 + random.below(3), c);
      if (random.chance(net.delay_per_mille))
        held_.emplace_back(step_ + 1 + random.below(net.max_delay), std::move(c));
      else
        submit(std::move(c));
    }
    cmds.clear();
    ++step_;
    std::vector<std::pair<std::uint64_t, services::issued_command>> later;
    for (auto& [due, c] : held_)
      if (due <= step_)
        submit(std::move(c));
      else
        later.emplace_back(due, std::move(c));
    held_ = std::move(later);
  }

  /// Runs S from its setup for `steps` steps of 100 ms from `seed`, its
  /// commands sent over NET, checking it after each step; the first
  /// violation (also kept in `violation`).
  std::optional<std::string> run(scenario& s, std::uint64_t seed, std::uint64_t steps, const network& net) {
    rng random(seed);
    rng net_random(seed ^ 0x5eed);
    step_context ctx{random, log, 1'000'000'000, 0, {}};
    std::vector<services::issued_command> out;
    s.setup(ctx, out);
    send(out, net, net_random);
    for (std::uint64_t i = 1; i <= steps && !violation; ++i) {
      ctx.step = i;
      ctx.now_ns += 100'000'000;
      s.step(ctx, out);
      send(out, net, net_random);
      violation = s.check(log);
    }
    return violation;
  }

  /// The same on a `lossy` network, or a perfect one.
  std::optional<std::string> run(scenario& s, std::uint64_t seed, std::uint64_t steps, bool lossy = false) {
    return run(s, seed, steps, lossy ? testing::lossy : network{});
  }

  /// Entity `id`'s state as its decisions so far left it.
  template <class Entity>
  const typename Entity::state_type& state(const std::string& id) {
    return states<Entity>()[id];
  }

private:
  template <class Entity>
  std::map<std::string, typename Entity::state_type>& states() {
    using map = std::map<std::string, typename Entity::state_type>;
    auto& slot = states_[std::string(Entity::kind)];
    if (!slot)
      slot = std::make_shared<map>();
    return *static_cast<map*>(slot.get());
  }

  template <class Entity>
  void host_one() {
    deciders_[std::string(Entity::kind)] = [this](const std::string& id, schema::Envelope::Reader env)
        -> std::optional<services::rejection> {
      auto cmd = Entity::read_command(env);
      if (!cmd) {
        ++undecodable;
        return services::rejection{"malformed", cmd.error().message()};
      }
      auto& s = states<Entity>()[id];
      auto d = [&] {
        if constexpr (actors::uses_fleet<Entity>::value)
          return Entity::decide(s, cmd.value(), fleet);
        else
          return Entity::decide(s, cmd.value());
      }();
      if (!d.accepted())
        return d.why();
      ++decided;
      for (const auto& e : d.events) {
        s = Entity::evolve(std::move(s), e);
        records_.event<Entity>(log, id, e);
        ++events;
        if constexpr (actors::publishes<Entity>::value)
          Entity::publish(fleet, id, s);
      }
      return std::nullopt;
    };
  }

  void decide_one(const services::issued_command& c) {
    const auto at = records_.command(log, c.kind, c.id, c.write);
    auto decider = deciders_.find(c.kind);
    if (!at || !log.at(*at).env || decider == deciders_.end()) {
      ++undecodable;
      return;
    }
    // Copied: the decider appends events, which may move the log's records.
    const auto env = log.at(*at).env;
    if (auto refused = decider->second(c.id, env->reader())) {
      ++rejections;
      ++rejected[refused->code];
      records_.reject(log, *at, refused->code, refused->reason);
    }
  }

  test_records records_{"daemon@direct-world"};
  std::uint64_t step_ = 0;
  bool reacting_ = false;
  std::map<std::string, std::function<std::optional<services::rejection>(const std::string&, schema::Envelope::Reader)>>
      deciders_;
  std::map<std::string, std::shared_ptr<void>> states_;  ///< per kind: std::map<id, Entity::state_type>
  std::vector<std::pair<std::uint64_t, services::issued_command>> held_;
};

} // namespace storemesh::sim::testing
