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
//
// Fencing. Every tenure of a partition has an epoch (strong_types.hpp). Work
// decided for a partition carries the epoch it was decided under, as a
// partition_claim, to the append that makes it durable
// (event_log::append_committing). The claim is honoured only while that
// tenure lasts: checked against the group's own bookkeeping atomically with
// the membership the append presents to the broker (on Kafka, the generation
// sent with the offsets, KIP-447). So a write decided under one tenure can
// never pass under the next one, even when the member rejoins and gets the
// same partition back -- the zombie write that a check of "do I own p now?"
// lets through.
//
//   assigned(p)      p gets a fresh epoch before the listener hears of it
//   revoked(p)       the epoch stays valid while the listener drains, then ends
//   revoked(p, lost) the epoch ends before the listener hears of it
//   renew(p)         a fresh epoch for a partition kept (after a fenced write)
#include "events/error.hpp"
#include "events/strong_types.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace storemesh::events {

/// Work decided for `partition` under this member's tenure `epoch`.
struct partition_claim {
  partition_id partition;
  ownership_epoch epoch;
  friend bool operator==(const partition_claim& a, const partition_claim& b) {
    return a.partition == b.partition && a.epoch == b.epoch;
  }
};

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
  /// group divides: the reaction feed keeps its positions here too. Only a
  /// stable position: while a transaction that commits one is open (a
  /// previous owner's), log_errc::unstable_position -- ask again later.
  [[nodiscard]] virtual result<offset> committed(const std::string& topic, partition_id p) = 0;
  /// Records the next offsets to read. Committing an unchanged position is
  /// cheap (nothing is written).
  [[nodiscard]] virtual result<void> commit(const std::string& topic, const positions& next) = 0;

  /// "local" or the Kafka group id, for logs.
  [[nodiscard]] virtual std::string name() const = 0;

  /// The epoch of this member's current tenure of `p` (of the divided
  /// topic's partition index, which every topic shares), or none when it
  /// does not own `p`. Thread-safe.
  [[nodiscard]] virtual std::optional<ownership_epoch> epoch(partition_id p) const = 0;
  /// Ends the current tenure of an owned `p` and starts another: claims made
  /// under the old epoch are refused from now on. For a member that keeps a
  /// partition but must not let work in flight for it pass (a fenced write
  /// left entities ahead of the log). Returns the new epoch (none if `p` is
  /// not owned). Thread-safe.
  [[nodiscard]] virtual std::optional<ownership_epoch> renew(partition_id p) = 0;
  /// Whether every claim is of a tenure still running: log_errc::stale_claim
  /// names the first that is not. Thread-safe.
  [[nodiscard]] result<void> check(const std::vector<partition_claim>& claims) const;

  /// A number that changes whenever the membership this member presents to
  /// the log changes (a rebalance: a new generation, or none after a loss).
  [[nodiscard]] virtual std::uint64_t membership_version() const { return 0; }
  /// Waits until membership_version() differs from `seen`, or `timeout`
  /// passes; whether it did. (Another thread polls the group meanwhile.)
  [[nodiscard]] virtual bool await_membership(std::uint64_t seen, std::chrono::milliseconds timeout) {
    (void)seen;
    (void)timeout;
    return false;
  }
};

/// Offsets to commit in the same breath as an append: see
/// event_log::append_committing().
struct offsets_commit {
  partition_group* group = nullptr;
  std::string topic;
  partition_group::positions next;
  /// The tenures the appended batches were decided under: the append is
  /// refused whole (log_errc::stale_claim, nothing written) unless every one
  /// is still running when it is made durable. Every claimed partition must
  /// have a position in `next`, so that the broker checks the membership.
  std::vector<partition_claim> claims;
};

} // namespace storemesh::events
