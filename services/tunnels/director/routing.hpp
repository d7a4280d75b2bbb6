#pragma once
// Where the director sends a coordination request: to a management server that
// is a member, healthy (its failure detector says so) and caught up enough for
// what the request needs. Pure: the director feeds it what its heartbeats and
// the log told it, and retries by asking again with the servers already tried.
//
//   request            may go to                        order
//   write              any healthy member               least lag first
//   read               healthy member, lag <= max_lag   least lag first
//   linearizable read  healthy member at the head       (the server checks the
//   watch              like read                         head again on receipt)
//
// A write may go to a lagging member: its outcome is read from that member's
// replica, which answers once it has applied it. A linearizable read is
// checked twice: here against the head the director last saw, and by the
// server against the log's end when the request arrives (etcd's ReadIndex),
// so a heartbeat that is a little old never serves a stale value.

#include <cstdint>
#include <string>
#include <vector>

namespace storemesh::services::director {

enum class request_class { write, read, linearizable_read, watch };

struct server_view {
  std::string id;
  bool member = false;                 ///< a management server now (cluster state)
  bool healthy = false;                ///< its failure detector is under threshold
  std::int64_t applied_offset = -1;    ///< next kv offset its replica will apply (its last heartbeat)
};

struct routing_policy {
  std::int64_t max_read_lag = 1000;    ///< records behind the head a plain read may be served at
};

/// Servers that may take the request, best first; `tried` are skipped (a
/// retry after a failure goes elsewhere first). Empty: nobody can serve now.
[[nodiscard]] std::vector<std::string> route(const std::vector<server_view>& servers, request_class what,
                                             std::int64_t head_offset, const routing_policy& policy,
                                             const std::vector<std::string>& tried = {});

} // namespace storemesh::services::director
