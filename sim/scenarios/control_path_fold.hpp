#pragma once
// The control path scenario's own reading of the storage systems' events,
// folded without the decider's evolve, with the invariants the module claims
// (storage_system.hpp, README "the control path") checked at each event
// against the fold of the events before it:
//  1. Only to a registered, linked system: a request is forwarded only to the
//     host holding the system's FC link at that point of the log, never by
//     that host to itself, and converted into an FCP exchange only by that
//     host, and only on a system that was added.
//  2. A request reaches the storage system at most once: one `converted` per
//     (system, request id), ever (retries are refused by the runtime's dedup
//     of the command id derived from the request id).
//  3. OX_IDs are FC-FS's: never 0xFFFF, unique among a system's open exchanges.
//  4. One outcome per exchange: `answered` or `failed` only for an open
//     exchange, with its OX_ID; it closes it.
//  5. A link event says which host it moved from (`previous` is the host
//     linked before it).

#include "services/control_path/storage_system.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace storemesh::sim {

class control_path_fold {
public:
  struct exchange {
    std::uint16_t ox_id = 0;
    std::string host;
  };
  struct system {
    bool added = false;
    std::string host;  ///< linked; empty: none
    std::map<std::string, exchange> open;  ///< by request id
    std::set<std::string> converted;       ///< every request id ever converted
    std::set<std::string> forwarded;       ///< request ids forwarded, with their target in `forwarded_to`
    std::map<std::string, std::string> forwarded_to;
  };

  /// Folds one event of storage system `id`; the invariant it breaks, if any.
  std::optional<std::string> apply(const std::string& id, const services::storage::event& e);

  [[nodiscard]] const system* find(const std::string& id) const;

private:
  std::map<std::string, system> systems_;
};

} // namespace storemesh::sim
