#pragma once
// The quorum's invariants in `storemesh audit` (services/tunnels/quorum/
// quorum_audit.hpp): each cluster entity's events, in sequence order, through
// its own quorum_auditor. The audit calls observe() for every event record it
// folded, of any kind, and finish() once all are read.
//
// A period below target still open at the end is measured up to the latest
// event timestamp the audit read (not the auditor's clock: the verdict on a
// log does not depend on when it is read).

#include "events/envelope/decoded_envelope.hpp"
#include "services/tunnels/quorum/quorum_audit.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace storemesh::ops {

class cluster_checks {
public:
  /// One event record the audit folded without complaint.
  void observe(const events::envelope::decoded_envelope& env);
  /// Appends each cluster's violations: "cluster/<id> seq <n>: <what>".
  void finish(std::vector<std::string>& violations);

private:
  std::map<std::string, services::cluster::quorum_auditor> clusters_;
  std::int64_t latest_ns_ = 0;
};

} // namespace storemesh::ops
