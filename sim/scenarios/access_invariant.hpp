#pragma once
// The access mechanism's invariant, recomputed from the access_server events
// alone (no decide, no evolve): no unscanned byte reaches a scanned share,
// and content a scan found infected is never let through as clean.
//
// Per server it folds its own view: the policy in force (the last
// policy_set; the default before any), each session's share, attributes,
// recorded protection and whether it is open, the deferred accesses waiting
// for a rescan, and the hashes found infected. At each `accessed` it
// recomputes whether the access had to be scanned:
//
//   the session's recorded protection scans, or
//   its share's mode is `always`, or
//   the share's mode is not `never` and (the policy is mandatory, or the
//   client does not protect itself: no active antivirus with signatures at
//   most max_signature_age_h old, reached from a trusted network or with a
//   known key whose proof verifies)
//
// and the file itself is not exempt (extension excluded or not listed, or
// larger than max_scan_bytes under oversize=allow). Such an access may be let
// through only clean, or deferred when on_outage is allow_and_mark; never
// not_scanned, never larger than max_scan_bytes under oversize=refuse. Any
// access let through must fit max_file_bytes and belong to an open session.
// A rescan must answer a deferred access not yet rescanned.
//
// One decision's events are contiguous in the entity's log (a policy_set and
// the session_redecided it causes), so checking at each `accessed` never sees
// a half-applied policy change.

#include "services/access/access_server_codec.hpp"
#include "sim/scenario.hpp"
#include "sim/scenarios/follow_entity.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>

namespace storemesh::sim {

class access_invariant {
public:
  /// Folds the records appended since the last call; the first violation.
  [[nodiscard]] std::optional<std::string> advance(const log_view& log);

private:
  struct session_view {
    std::string share;
    services::access::attributes attrs;
    bool decided_scan = true;
    bool open = true;
    bool key_proved = false;  ///< the attrs' key proof verifies for this session (cached: ~35 us each)
  };
  struct server_view {
    services::access::policy policy;
    std::map<std::string, session_view> sessions;
    std::map<std::string, std::string> deferred;  ///< access id -> sha256, until rescanned
    std::set<std::string> infected;               ///< sha256 found infected
  };

  std::optional<std::string> fold(const std::string& server, const services::access::event& e);
  std::optional<std::string> on_access(const std::string& server, server_view& s,
                                       const services::access::accessed& a);

  std::map<std::string, server_view> servers_;
  follow_entity<services::access::entity> events_;
  std::optional<std::string> violation_;
};

/// Whether the client protects itself under `p`: rows 4-9 of protection.hpp,
/// recomputed here (key_proved is the caller's check of the proof).
[[nodiscard]] bool client_protects_itself(const services::access::policy& p,
                                          const services::access::attributes& a, bool key_proved);

} // namespace storemesh::sim
