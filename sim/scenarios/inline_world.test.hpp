#pragma once
// For the scenarios' tests only: a world without faults, before (and apart
// from) the simulator. Every command a scenario issues is signed into a
// command record, decided at once by its entity's real decider on a state
// folded by its real evolve, and its events (or its rejection) appended to a
// sim::test_log the way the runtime writes them; reactions, when given, issue
// their commands the same way. So a scenario's agents and check() can be run
// end to end in a unit test, and a planted bug shown to be caught.

#include "actors/records.hpp"
#include "events/crypto/hashing.hpp"
#include "events/crypto/keys.hpp"
#include "events/envelope/envelope_builder.hpp"
#include "sim/scenario.hpp"
#include "sim/test_log.hpp"

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace storemesh::sim::testing {

class inline_world {
public:
  using reaction = std::function<std::vector<services::issued_command>(std::string_view kind, const std::string& id,
                                                                     schema::Envelope::Reader event)>;

  /// Decides the commands of Entity's kind.
  template <class Entity>
  void host() {
    deciders_[std::string(Entity::kind)] = [this, states = std::map<std::string, typename Entity::state_type>{}](
                                               const std::string& id, schema::Envelope::Reader cmd) mutable
        -> std::optional<services::rejection> {
      auto c = Entity::read_command(cmd);
      if (!c)
        return services::rejection{"malformed", "the command does not read"};
      auto& s = states.try_emplace(id, typename Entity::state_type{}).first->second;
      auto d = Entity::decide(s, c.value());
      if (!d.accepted())
        return d.why();
      for (const auto& e : d.events) {
        s = Entity::evolve(std::move(s), e);
        append_event(Entity::kind, id, [&](schema::Envelope::Builder b) { Entity::write_event(e, b); });
      }
      return std::nullopt;
    };
  }

  void react_with(reaction r) { reactions_.push_back(std::move(r)); }

  /// Decides `commands` (and what reactions issue in turn), in order.
  void run(std::vector<services::issued_command> commands) {
    std::deque<services::issued_command> queue(std::make_move_iterator(commands.begin()),
                                               std::make_move_iterator(commands.end()));
    while (!queue.empty()) {
      auto c = std::move(queue.front());
      queue.pop_front();
      const auto first_new = log.size();
      decide_one(c);
      for (auto i = first_new; i < log.size(); ++i) {
        const auto& r = log.at(i);
        if (r.topic == log.rejected_topic() || r.topic == log.commands_topic() || !r.env)
          continue;
        for (const auto& react : reactions_)
          for (auto& next : react(r.env->entity_kind(), std::string(r.env->entity_id()), r.env->reader()))
            queue.push_back(std::move(next));
      }
    }
  }

  test_log log;
  std::size_t rejected = 0;
  std::vector<std::string> refusals;  ///< the codes, in order

private:
  void decide_one(const services::issued_command& c) {
    actors::command_header h;
    ++commands_;
    for (std::size_t i = 0; i < 8; ++i)
      h.id[i] = static_cast<std::uint8_t>(commands_ >> (8 * i));
    h.producer = "scenario@inline-world";
    auto record = actors::make_command_record(c.kind, c.id, h, key_, c.write);
    if (!record)
      return;
    const auto at = log.append(log.commands_topic(), record.value().key, record.value().value);
    // Copied: the decider appends events, which may move the log's records.
    const auto env = log.at(at).env;
    const auto offset = log.at(at).offset;
    const std::string bytes = log.at(at).bytes;
    auto decider = deciders_.find(c.kind);
    if (!env || decider == deciders_.end())
      return;
    if (auto refused = decider->second(c.id, env->reader())) {
      ++rejected;
      refusals.push_back(refused->code);
      auto r = actors::make_rejection_record(c.kind, c.id, refused->code, refused->reason, log.commands_topic(),
                                             partition_id{0}, offset, bytes, h.id, "daemon@inline-world");
      log.append(log.rejected_topic(), r.key, r.value);
    }
  }

  void append_event(std::string_view kind, const std::string& id,
                    const std::function<void(schema::Envelope::Builder)>& fill) {
    auto& [seq, last] = chains_[std::string(kind) + "/" + id];
    auto r = actors::make_event_record(kind, id, ++seq, last, actors::cause{}, "daemon@inline-world", fill);
    last = events::crypto::record_hash(r.value);
    log.append(log.events_topic(kind), r.key, r.value);
  }

  events::crypto::key_pair key_ = events::crypto::key_pair::from_seed({7});
  std::uint64_t commands_ = 0;
  std::map<std::string, std::function<std::optional<services::rejection>(const std::string&, schema::Envelope::Reader)>>
      deciders_;
  std::map<std::string, std::pair<std::uint64_t, events::crypto::digest>> chains_;
  std::vector<reaction> reactions_;
};

/// Runs `s` for `steps` steps from `seed` in an inline_world; the first
/// violation check() finds, if any. With `lossy`, a command is lost (1 in
/// 20) or delayed by 1 to 5 steps (1 in 10), so later ones overtake it: the
/// network faults a scenario's agents must cope with (a stand-in until the
/// simulator runs them; duplicates keep their id there, so none here).
inline std::optional<std::string> run_inline(scenario& s, inline_world& w, std::uint64_t seed, std::uint64_t steps,
                                             bool lossy = false) {
  rng random(seed);
  rng network(seed ^ 0x5eed);
  step_context ctx{random, w.log, 1'000'000'000, 0, {}};
  std::multimap<std::uint64_t, services::issued_command> delayed;
  auto send = [&](std::vector<services::issued_command> out) {
    std::vector<services::issued_command> now;
    for (auto& c : out) {
      if (lossy && network.chance(50))
        continue;
      if (lossy && network.chance(100))
        delayed.emplace(ctx.step + static_cast<std::uint64_t>(network.between(1, 5)), std::move(c));
      else
        now.push_back(std::move(c));
    }
    for (auto it = delayed.begin(); it != delayed.end() && it->first <= ctx.step;)
      now.push_back(std::move(it->second)), it = delayed.erase(it);
    w.run(std::move(now));
  };
  std::vector<services::issued_command> out;
  s.setup(ctx, out);
  send(std::move(out));
  for (std::uint64_t i = 1; i <= steps; ++i) {
    ctx.step = i;
    ctx.now_ns += 100'000'000;
    out.clear();
    s.step(ctx, out);
    send(std::move(out));
    if (auto v = s.check(w.log))
      return v;
  }
  return std::nullopt;
}

} // namespace storemesh::sim::testing
