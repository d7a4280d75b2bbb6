#pragma once
// How often the scenarios' agents act and ask again. The simulator lets one
// daemon act per step, so a command takes ten steps or more to be decided;
// agents that act faster only pile up commands that expire in the queue.

#include <cstdint>
#include <map>
#include <string>

namespace storemesh::sim {

/// The agents act every `agent_tick` steps, and ask again after
/// `agent_resend` steps without an outcome.
inline constexpr std::uint64_t agent_tick = 5;
inline constexpr std::uint64_t agent_resend = 40;

/// When each of an agent's actions was last issued.
class resend_timer {
public:
  /// Marks `what` issued at `step`: asked again only after a while.
  void sent(const std::string& what, std::uint64_t step) { last_[what] = step; }

  /// Whether `what` may be (re)issued at `step`: not within `every` steps of
  /// the last time. Marks it issued when it is.
  bool due(const std::string& what, std::uint64_t step, std::uint64_t every = agent_resend) {
    auto [it, fresh] = last_.try_emplace(what, step);
    if (!fresh && step < it->second + every)
      return false;
    it->second = step;
    return true;
  }

private:
  std::map<std::string, std::uint64_t> last_;
};

} // namespace storemesh::sim
