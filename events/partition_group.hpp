#pragma once
// Who owns which partitions of a topic, among the daemons that share it, and
// where each owner resumes: Kafka's consumer group, behind one small interface
// so that the embedded log (one member owning everything, offsets in files)
// and the KafkaLog (a real group: members join and leave, partitions move)
// look alike to the intake and the reaction feed.
//
//   join --poll--> assigned(ps) ... revoked(ps) ... --> (destroyed: leaves)
//
// A partition's owner is the only process that decides the commands of its
// entities. revoked() runs on the polling thread before the partition moves:
// the listener finishes what it started there and commits, so the next owner
// resumes exactly where this one stopped. A lost partition (this member was
// expelled: it stopped polling, or the group moved on without it) is revoked
// with `lost`: another member may own it already, so nothing may be written
// for it any more.

#include "events/error.hpp"
#include "events/strong_types.hpp"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace storemesh::events {

class partition_group {
public:
  class listener {
  public:
    virtual ~listener() = default;
    virtual void assigned(const std::vector<partition_id>& partitions) = 0;
    virtual void revoked(const std::vector<partition_id>& partitions, bool lost) = 0;
  };

  using positions = std::vector<std::pair<partition_id, offset>>;

  virtual ~partition_group() = default;

  /// Serves the membership (joins, heartbeats' bookkeeping, rebalances) and
  /// calls `l` on this thread for every change, waiting up to `timeout` for
  /// one. Call it often: a member that does not poll is expelled.
  [[nodiscard]] virtual result<void> poll(listener& l, std::chrono::milliseconds timeout) = 0;

  /// Where the group resumes reading `topic`/p: the next offset to read
  /// (offset{0} when nothing was committed). Any topic, not only the one the
  /// group divides: the reaction feed keeps its positions here too.
  [[nodiscard]] virtual result<offset> committed(const std::string& topic, partition_id p) = 0;
  /// Records the next offsets to read. Committing an unchanged position is
  /// cheap (nothing is written).
  [[nodiscard]] virtual result<void> commit(const std::string& topic, const positions& next) = 0;

  /// "local" or the Kafka group id, for logs.
  [[nodiscard]] virtual std::string name() const = 0;
};

/// Offsets to commit in the same breath as an append: see
/// event_log::append_committing().
struct offsets_commit {
  partition_group* group = nullptr;
  std::string topic;
  partition_group::positions next;
};

} // namespace storemesh::events
