#pragma once
// Topic names. Configurable (the prefix), so two fleets can share one broker.

#include <string>
#include <string_view>

namespace storemesh::actors {

struct topics {
  std::string prefix = "storemesh";

  [[nodiscard]] std::string commands() const { return prefix + ".commands"; }
  [[nodiscard]] std::string rejected() const { return prefix + ".rejected"; }
  [[nodiscard]] std::string snapshots() const { return prefix + ".snapshots"; }
  /// storemesh.events.<module>: one topic per module (entity kind).
  [[nodiscard]] std::string events(std::string_view kind) const { return prefix + ".events." + std::string(kind); }
  /// Topics the daemon writes, every appended batch sealed (see log_writer).
  [[nodiscard]] bool is_sealed(std::string_view topic) const {
    return topic == rejected() || topic.substr(0, prefix.size() + 8) == prefix + ".events.";
  }
};

} // namespace storemesh::actors
