#pragma once
// For scenario tests only: a world with no runtime, in which every command
// a scenario issues is decided by its entity's decider (at once, or lost or
// held back a few steps with `shuffle`), and the events are appended to a
// test_log. It shows a scenario's agents driving their mechanism, and its
// check passing that history, without the simulator; the runtime's faults
// (crashes, duplicates, fencing) are the simulator's, not modelled here.
//
//   direct_world<access::entity> w;
//   w.run(scenario, seed, steps);   // setup, then decide + check + step per step
//   w.rejected["scan_required"]     // how often each code was answered

#include "actors/records.hpp"
#include "sim/test_log.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace storemesh::sim::testing {

/// Appends `e` as entity (Entity::kind, id)'s next event.
template <class Entity>
void append_event(test_log& log, std::map<std::string, std::uint64_t>& seqs, const std::string& id,
                  const typename Entity::event_type& e) {
  const auto seq = ++seqs[std::string(Entity::kind) + "/" + id];
  auto rec = actors::make_event_record(Entity::kind, id, seq, events::crypto::zero_digest, actors::cause{}, "test",
                                       [&](schema::Envelope::Builder b) { Entity::write_event(e, b); });
  log.append(log.events_topic(Entity::kind), rec.key, rec.value);
}

template <class... Entities>
class direct_world {
public:
  test_log log;
  std::map<std::string, int> rejected;  ///< by code
  std::size_t decided = 0, events = 0, undecodable = 0;
  std::optional<std::string> violation;
  std::vector<std::string> trace;  ///< every command's payload as written, in order (no id, no clock)

  /// Decides one command; false if its kind is none of Entities or it does not decode.
  bool apply(const services::issued_command& c) {
    capnp::MallocMessageBuilder message;
    auto env = message.initRoot<schema::Envelope>();
    env.setEntityKind(c.kind);
    env.setEntityId(c.id);
    c.write(env);
    const auto words = capnp::messageToFlatArray(message);
    trace.emplace_back(reinterpret_cast<const char*>(words.asBytes().begin()), words.asBytes().size());
    const bool known = (try_apply<Entities>(c, env.asReader()) || ...);
    if (!known)
      ++undecodable;
    return known;
  }

  /// With `shuffle`, a command is lost (2 %) or held back a few steps (20 %),
  /// so later ones overtake it: the network's faults, crudely, for agents
  /// that must cope with them. The rng for them is the world's own.
  void run(scenario& s, std::uint64_t seed, std::uint64_t steps, bool shuffle = false) {
    rng random(seed);
    rng network(seed ^ 0x5eed);
    std::vector<services::issued_command> out, held;
    step_context ctx{random, log, 1'000'000'000, 0, {}};
    s.setup(ctx, out);
    for (std::uint64_t i = 1; i <= steps && !violation; ++i) {
      std::vector<services::issued_command> now, still;
      for (auto& c : held)
        (network.chance(300) ? now : still).push_back(std::move(c));
      held = std::move(still);
      for (auto& c : out) {
        if (shuffle && network.chance(20))
          continue;
        (shuffle && network.chance(200) ? held : now).push_back(std::move(c));
      }
      out.clear();
      for (const auto& c : now)
        apply(c);
      violation = s.check(log);
      ctx.step = i;
      ctx.now_ns += 10'000'000;
      s.step(ctx, out);
    }
  }

private:
  template <class Entity>
  bool try_apply(const services::issued_command& c, schema::Envelope::Reader env) {
    if (c.kind != Entity::kind)
      return false;
    auto cmd = Entity::read_command(env);
    if (!cmd)
      return false;
    auto& st = std::get<std::map<std::string, typename Entity::state_type>>(states_)[c.id];
    auto d = Entity::decide(st, cmd.value());
    ++decided;
    if (!d.accepted()) {
      ++rejected[d.why().code];
      return true;
    }
    for (const auto& e : d.events) {
      st = Entity::evolve(std::move(st), e);
      append_event<Entity>(log, seqs_, c.id, e);
      ++events;
    }
    return true;
  }

  std::tuple<std::map<std::string, typename Entities::state_type>...> states_;
  std::map<std::string, std::uint64_t> seqs_;
};

} // namespace storemesh::sim::testing
