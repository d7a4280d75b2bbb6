#include "events/partition_group.hpp"

#include "events/log_errc.hpp"
#include "events/planted_bugs.hpp"

namespace storemesh::events {

result<void> partition_group::check(const std::vector<partition_claim>& claims) const {
  if (planted(planted_bug::skip_fencing))
    return success();
  for (const auto& c : claims) {
    const auto now = epoch(c.partition);
    if (!now || *now != c.epoch)
      return make_error(log_errc::stale_claim,
                        "partition " + std::to_string(c.partition.value) + " was decided under tenure " +
                            std::to_string(c.epoch.value) + ", " +
                            (now ? "now tenure " + std::to_string(now->value) : std::string("no longer owned")) +
                            " (group " + name() + ")");
  }
  return success();
}

} // namespace storemesh::events
