#pragma once
// Reads one entity kind's records from the simulated log, from where the last
// poll stopped: its events (decoded by the kind's codec) and the refusals of
// its commands (the refused command decoded back). A scenario's agents and its
// check() each keep a follower of their own, so each reads every record once.
// Records that do not decode are skipped: the runtime's own checks (and the
// simulator's) judge those, not a mechanism's invariants.

#include "sim/scenario.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace storemesh::sim {

template <class Entity>
class follow_entity {
public:
  /// on_event(entity_id, event) for every event; on_refusal(entity_id, code,
  /// command) for every refused command of this kind, in log order, up to
  /// record `until` (excluded; all of them by default).
  template <class OnEvent, class OnRefusal>
  void poll(const log_view& log, OnEvent&& on_event, OnRefusal&& on_refusal, std::size_t until = SIZE_MAX) {
    until = std::min(until, log.size());
    const std::string& events = log.events_topic(Entity::kind);
    const std::string& rejected = log.rejected_topic();
    for (; next_ < until; ++next_) {
      const logged_record& r = log.at(next_);
      if (!r.env)
        continue;
      const auto env = r.env->reader();
      if (r.topic == events) {
        if (r.env->entity_kind() != Entity::kind || !Entity::is_event(env))
          continue;
        if (auto e = Entity::read_event(env))
          on_event(std::string(r.env->entity_id()), e.value());
      } else if (r.topic == rejected && env.getPayload().isRejection()) {
        if (r.env->entity_kind() != Entity::kind)
          continue;
        const auto rej = env.getPayload().getRejection();
        const auto bytes = rej.getCommand();
        auto cmd = events::envelope::decoded_envelope::decode(
            std::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()));
        if (!cmd || !Entity::is_command(cmd.value().reader()))
          continue;
        if (auto c = Entity::read_command(cmd.value().reader()))
          on_refusal(std::string(cmd.value().entity_id()), std::string_view(rej.getCode().cStr()), c.value());
      }
    }
  }

  template <class OnEvent>
  void poll(const log_view& log, OnEvent&& on_event) {
    poll(log, std::forward<OnEvent>(on_event), [](const std::string&, std::string_view, const auto&) {});
  }

  /// The index of the record being read (in a callback), or of the next to read.
  [[nodiscard]] std::size_t position() const { return next_; }

private:
  std::size_t next_ = 0;
};

} // namespace storemesh::sim
