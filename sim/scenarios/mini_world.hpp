#pragma once
// For the scenarios' tests: a scenario's commands decided at once, in order,
// by the hosts', copy jobs', migrations' and rebalancers' own deciders, the
// events appended to a test_log and the migration and rebalancing reactions
// run on them. No daemon, no faults, no intake: only enough of a world to
// see a scenario's agents drive its jobs to their end. The simulator
// (sim/world.hpp) is the real host of scenarios.

#include "actors/records.hpp"
#include "services/fleet/fleet.hpp"
#include "services/gateway/reactions.hpp"
#include "services/gateway/rebalancer_codec.hpp"
#include "services/host/host_codec.hpp"
#include "services/migration/copy_job_codec.hpp"
#include "services/migration/migration_codec.hpp"
#include "services/migration/reactions.hpp"
#include "sim/rng.hpp"
#include "sim/test_log.hpp"

#include <capnp/message.h>

#include <deque>
#include <map>
#include <string>

namespace storemesh::sim::testing {

class mini_world {
public:
  test_log log;
  services::fleet::view fleet;
  std::size_t decided = 0, refused = 0, undecodable = 0;
  std::map<std::string, std::size_t> refusals;  ///< by code

  /// Decides C and whatever its events' reactions call for, depth first in
  /// arrival order.
  void run(services::issued_command c) {
    std::deque<services::issued_command> queue;
    queue.push_back(std::move(c));
    while (!queue.empty()) {
      auto next = std::move(queue.front());
      queue.pop_front();
      for (auto& r : decide(next))
        queue.push_back(std::move(r));
    }
  }

  /// The network between the scenario and the log, as the simulator's can
  /// be: a command lost, sent twice, or held back a few steps (then decided
  /// after later ones). The reactions' own commands are not exposed to it.
  struct network {
    unsigned lose_per_mille = 0, duplicate_per_mille = 0, delay_per_mille = 0;
  };
  /// Sends this step's commands over NET; decides those due now.
  void send(std::vector<services::issued_command>& cmds, network net, rng& random) {
    for (auto& c : cmds) {
      if (random.chance(net.lose_per_mille))
        continue;
      if (random.chance(net.duplicate_per_mille))
        held_.emplace_back(step_ + 1 + random.below(3), c);
      if (random.chance(net.delay_per_mille))
        held_.emplace_back(step_ + 1 + random.below(5), std::move(c));
      else
        run(std::move(c));
    }
    cmds.clear();
    ++step_;
    std::vector<std::pair<std::uint64_t, services::issued_command>> later;
    for (auto& [due, c] : held_)
      if (due <= step_)
        run(std::move(c));
      else
        later.emplace_back(due, std::move(c));
    held_ = std::move(later);
  }

  template <class Entity>
  const typename Entity::state_type& state(const std::string& id) {
    return states<Entity>()[id];
  }

private:
  template <class Entity>
  std::map<std::string, typename Entity::state_type>& states() {
    static_assert(sizeof(Entity) > 0);
    if constexpr (std::is_same_v<Entity, services::host::entity>)
      return hosts_;
    else if constexpr (std::is_same_v<Entity, services::copy_job::entity>)
      return jobs_;
    else if constexpr (std::is_same_v<Entity, services::migration::entity>)
      return migrations_;
    else
      return rebalancers_;
  }

  template <class Entity>
  std::vector<services::issued_command> apply(const std::string& id, schema::Envelope::Reader env) {
    auto cmd = Entity::read_command(env);
    if (!cmd) {
      ++undecodable;
      return {};
    }
    auto& s = states<Entity>()[id];
    auto d = [&] {
      if constexpr (std::is_same_v<Entity, services::copy_job::entity> ||
                    std::is_same_v<Entity, services::rebalancer::entity>)
        return Entity::decide(s, cmd.value(), fleet);
      else
        return Entity::decide(s, cmd.value());
    }();
    if (!d.accepted()) {
      ++refused;
      ++refusals[d.why().code];
      return {};
    }
    ++decided;
    std::vector<services::issued_command> out;
    for (const auto& e : d.events) {
      auto rec = actors::make_event_record(Entity::kind, id, ++seq_[std::string(Entity::kind) + "/" + id],
                                           events::crypto::zero_digest, actors::cause{}, "mini",
                                           [&](schema::Envelope::Builder b) { Entity::write_event(e, b); });
      const auto at = log.append(log.events_topic(Entity::kind), rec.key, rec.value);
      s = Entity::evolve(std::move(s), e);
      if constexpr (!std::is_same_v<Entity, services::migration::entity>)
        Entity::publish(fleet, id, s);
      const auto& env_out = *log.at(at).env;
      for (auto* react : {&services::migration::react, &services::rebalancer::react})
        for (auto& c : react(Entity::kind, id, env_out.reader(), fleet))
          out.push_back(std::move(c));
    }
    return out;
  }

  std::vector<services::issued_command> decide(const services::issued_command& c) {
    capnp::MallocMessageBuilder message;
    auto env = message.initRoot<schema::Envelope>();
    env.setEntityKind(c.kind);
    env.setEntityId(c.id);
    c.write(env);
    auto reader = env.asReader();
    if (c.kind == services::host::entity::kind)
      return apply<services::host::entity>(c.id, reader);
    if (c.kind == services::copy_job::entity::kind)
      return apply<services::copy_job::entity>(c.id, reader);
    if (c.kind == services::migration::entity::kind)
      return apply<services::migration::entity>(c.id, reader);
    if (c.kind == services::rebalancer::entity::kind)
      return apply<services::rebalancer::entity>(c.id, reader);
    ++undecodable;
    return {};
  }

  std::map<std::string, services::host::state> hosts_;
  std::map<std::string, services::copy_job::state> jobs_;
  std::map<std::string, services::migration::state> migrations_;
  std::map<std::string, services::rebalancer::state> rebalancers_;
  std::map<std::string, std::uint64_t> seq_;
  std::vector<std::pair<std::uint64_t, services::issued_command>> held_;
  std::uint64_t step_ = 0;
};

} // namespace storemesh::sim::testing
