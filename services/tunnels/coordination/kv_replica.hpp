#pragma once
// What a management server keeps of a kv space: the state folded from its
// events (with kv::evolve, the decider's own fold: a replica cannot disagree
// with what the decider decides on), how far it has applied the log (offset
// and revision), a bounded history of recent events for watches, and the
// watches themselves. Sans-IO: apply() says which watch gets which changes;
// the caller delivers them. Not thread-safe: one owner (the server's tail
// loop) calls everything.
//
// Feeding it. The caller tails the keyspace's events partition and hands each
// of this keyspace's events to apply(sequence, offset, event) in log order;
// records at offsets that are not (rejections live elsewhere, other entities
// share the partition) move applied_offset() through advance_offset().
// sequence == revision() + 1 is applied; sequence <= revision() (a re-read
// after a reconnect) changes nothing; beyond is a gap (kv_errc::sequence_gap).
//
// History and compaction (etcd's model). The history holds the last events
// (at most `history_events`, and about `history_bytes` of keys and values),
// each with the changes it made. compact_revision() is the newest revision no
// longer held (0: nothing dropped; a replica started from a snapshot at
// revision R starts with compact_revision R). A watch may start at any
// revision > compact_revision(); older is refused with kv_errc::compacted, and
// oldest_revision() tells the client where it may start instead.
//
// Watches. add_watch(id, {key, prefix, start}) answers with the backlog: every
// change at a revision >= start (0 = from the next revision) to the watched key
// (or a key under the prefix) that the history holds, in revision order (keys
// in sorted order within one revision). From then on apply() returns, per
// watch, the changes of that event that match. Backlog + deliveries are every
// matching change from `start` on, in order, with no gap and no repeat.
// Revisions that change no key (lease grant, keep-alive) produce no change.

#include "events/error.hpp"
#include "services/tunnels/coordination/kv_errc.hpp"
#include "services/tunnels/coordination/kv_space.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace storemesh::services::kv {

enum class change_kind : std::uint8_t { put, del };

/// One key's change at one revision, as a watcher sees it.
struct change {
  revision mod_revision = 0;     ///< the revision of the event that made it
  change_kind kind = change_kind::put;
  std::string key;
  std::string value;             ///< put: the new value; del: empty
  revision create_revision = 0;  ///< put only
  std::uint64_t version = 0;     ///< put only
  lease_id lease = 0;            ///< put only
  friend bool operator==(const change& a, const change& b) {
    return a.mod_revision == b.mod_revision && a.kind == b.kind && a.key == b.key && a.value == b.value &&
           a.create_revision == b.create_revision && a.version == b.version && a.lease == b.lease;
  }
};

using watch_id = std::uint64_t;

struct watch_spec {
  std::string key;           ///< the key, or with `prefix` every key starting with it (empty: all)
  bool prefix = false;
  revision start_revision = 0;  ///< 0: from the next revision on
};

/// New changes for one watch, from one apply().
struct delivery {
  watch_id watch = 0;
  std::vector<change> changes;
};

struct replica_limits {
  std::size_t history_events = 4096;
  std::size_t history_bytes = 16u << 20;
};

struct range_result {
  std::vector<std::pair<std::string, key_value>> kvs;  ///< sorted by key
  bool more = false;  ///< the limit cut the answer short
  revision rev = 0;   ///< the revision it was read at
};

/// The changes an event made, given the state just after it (at revision `rev`).
[[nodiscard]] std::vector<change> changes_of(const event& e, const state& after);

class replica {
public:
  explicit replica(replica_limits limits = {}) : limits_(limits) {}

  /// Starts from a snapshot: `s` is the state at its revision, taken from the
  /// log up to `offset`; nothing before it is in the history.
  static replica from_snapshot(state s, std::int64_t offset, replica_limits limits = {});

  /// Folds the keyspace's event `sequence`, read at `offset`; returns what
  /// each watch gets from it (watches without a match are left out).
  [[nodiscard]] result<std::vector<delivery>> apply(std::uint64_t sequence, std::int64_t offset, const event& e);
  /// The tail passed `offset` (a record that is not one of this keyspace's events).
  void advance_offset(std::int64_t offset);

  [[nodiscard]] const state& current() const { return state_; }
  [[nodiscard]] revision rev() const { return state_.rev; }
  /// The last log offset applied or passed; -1 before any.
  [[nodiscard]] std::int64_t applied_offset() const { return offset_; }
  [[nodiscard]] revision compact_revision() const { return compacted_; }
  /// The oldest revision a watch may start at.
  [[nodiscard]] revision oldest_revision() const { return compacted_ + 1; }

  /// The key's entry, or nullptr. Valid until the next apply().
  [[nodiscard]] const key_value* get(std::string_view key) const;
  /// Keys starting with `prefix` (empty: every key), sorted, at most `limit` (0: no limit).
  [[nodiscard]] range_result range(std::string_view prefix, std::size_t limit = 0) const;

  /// Registers a watch and answers its backlog (see the header comment).
  [[nodiscard]] result<std::vector<change>> add_watch(watch_id id, watch_spec spec);
  /// False when there was no such watch.
  bool cancel_watch(watch_id id);
  [[nodiscard]] std::size_t watches() const { return watches_.size(); }

  /// A fresh replica (nothing applied, the same limits) holding this one's
  /// watches, each resuming after `delivered`: the revision up to which their
  /// changes were handed on. For a reader that folds the log again from the
  /// start (after a read error): applying the log again then gives each watch
  /// every change after what it already got, none twice. A fresh `replica{}`
  /// instead would forget the watches, and their servers would go silent.
  [[nodiscard]] replica refold(revision delivered) const;

  struct history_entry {
    revision rev = 0;
    event what;
    std::vector<change> changes;
    std::size_t bytes = 0;
  };
  [[nodiscard]] const std::deque<history_entry>& history() const { return history_; }

private:
  void trim();

  replica_limits limits_;
  state state_;
  std::int64_t offset_ = -1;
  revision compacted_ = 0;
  std::deque<history_entry> history_;
  std::size_t history_bytes_ = 0;
  std::map<watch_id, watch_spec> watches_;
};

} // namespace storemesh::services::kv
