#pragma once
// Kv space: a cluster's coordination keyspace, modelled on etcd v3. One entity
// per keyspace (id = the cluster's name). Management servers fold its events
// into replicas (kv_replica.hpp) and serve reads and watches from them.
//
// Revisions. The entity's event sequence number IS the keyspace revision:
// event n (sequence n, the first is 1) takes the keyspace to revision n. The
// state counts the events it has folded (state::revision), so after the
// runtime folded sequence n, state::revision == n. Unlike etcd, lease events
// (grant, keep-alive) advance the revision too: some revisions change no key,
// and a watcher sees nothing at them.
//
// Per key: value, create_revision (the revision of the put that created it),
// mod_revision (of the last put), version (puts since creation, 1 after the
// first) and the lease it is attached to (0 = none). A delete removes the key;
// a later put creates it anew (version 1, new create_revision).
//
// Rules (rejection codes in brackets):
//   put       key 1..1024 bytes of valid UTF-8 without NUL [bad_key]; value up
//             to 60 KiB [value_too_large] so that a key, its value and a
//             response's framing fit one tunnel message (65535 bytes) with
//             room to spare; a nonzero lease must exist [no_such_lease]; the
//             optional compare: the key's mod_revision must equal `expected`,
//             0 meaning "must not exist" [compare_failed, the reason gives the
//             actual mod_revision]; the keyspace stays under its quota
//             [quota_exceeded]. A put with lease 0 detaches the key from its
//             lease, as in etcd. Every put makes a new revision, even with
//             the same value: a retried put is kept from applying twice by the
//             command id (the runtime's dedup), not by the decider.
//   delete    one key, or every key starting with `key` (prefix; an empty
//             prefix is refused [bad_key], so "delete everything" cannot happen
//             by accident). Compare only for a single key [bad_request]. No key
//             to delete [key_not_found]: as etcd (deleted = 0, revision not
//             advanced) no event is written; a rejection rather than a silent
//             no-op so that the management server waiting on the command sees
//             its outcome in the log, and answers "deleted 0".
//   grant     lease id nonzero [bad_lease_id], not in use [lease_exists]; ttl in
//             (0, 30 days] [bad_ttl]; deadline = now + ttl.
//   keep-alive  the lease exists [no_such_lease] and its deadline has not
//             passed at now [lease_expired: expiry is by command, so a lease past
//             its deadline waits for expire_leases, and may not be revived]; the
//             deadline becomes now + ttl; one that would not move it later (a
//             sender whose clock lags) is refused [stale, the reason gives the
//             deadline]: the lease is alive until then anyway.
//   revoke    the lease exists [no_such_lease]; it goes with its keys.
//   expire    every lease whose deadline <= now goes, with all its keys, in ONE
//             event. Nothing to expire: accepted with NO event (decision.hpp
//             says an accepted command produces an event; this is the one
//             exception). The director's lease keeper sends expire_leases every
//             few seconds: an event or a rejection each time would write one
//             record per tick to the log (every rejection is a record in
//             storemesh.rejected); with no event the entity actor appends
//             nothing, and the keeper waits for nothing.
//
// Quota. The whole state is one snapshot record, and a prefix delete or an
// expiry lists every key it removes in one event: records must stay well under
// a Kafka message (1 MiB by default). The keyspace's footprint (each key: its
// bytes + its value's + 64; each lease: 64) stays <= 512 KiB. Deletes and
// lease revocations always pass.

#include "services/decision.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace storemesh::services::kv {

using revision = std::uint64_t;
using lease_id = std::uint64_t;

inline constexpr std::size_t max_key_bytes = 1024;
inline constexpr std::size_t max_value_bytes = 60 * 1024;
inline constexpr std::int64_t max_ttl_ns = 30LL * 24 * 3600 * 1'000'000'000;
inline constexpr std::uint64_t max_footprint_bytes = 512 * 1024;
inline constexpr std::uint64_t entry_overhead_bytes = 64;

// -- events (the storage format: add alternatives, never change one) ----------

struct put_done {
  std::string key;
  std::string value;
  lease_id lease = 0;
  revision previous_mod_revision = 0;  ///< 0: the put created the key
  friend bool operator==(const put_done& a, const put_done& b) {
    return a.key == b.key && a.value == b.value && a.lease == b.lease &&
           a.previous_mod_revision == b.previous_mod_revision;
  }
};

struct deleted {
  std::vector<std::string> keys;  ///< sorted, at least one
  friend bool operator==(const deleted& a, const deleted& b) { return a.keys == b.keys; }
};

struct lease_granted {
  lease_id lease = 0;
  std::int64_t ttl_ns = 0;
  std::int64_t deadline_ns = 0;
  friend bool operator==(const lease_granted& a, const lease_granted& b) {
    return a.lease == b.lease && a.ttl_ns == b.ttl_ns && a.deadline_ns == b.deadline_ns;
  }
};

struct lease_renewed {
  lease_id lease = 0;
  std::int64_t deadline_ns = 0;
  friend bool operator==(const lease_renewed& a, const lease_renewed& b) {
    return a.lease == b.lease && a.deadline_ns == b.deadline_ns;
  }
};

struct lease_revoked {
  lease_id lease = 0;
  std::vector<std::string> keys;  ///< deleted with it, sorted
  friend bool operator==(const lease_revoked& a, const lease_revoked& b) {
    return a.lease == b.lease && a.keys == b.keys;
  }
};

struct leases_expired {
  std::vector<lease_id> leases;   ///< ascending, at least one
  std::vector<std::string> keys;  ///< deleted with them, sorted
  std::int64_t now_ns = 0;
  friend bool operator==(const leases_expired& a, const leases_expired& b) {
    return a.leases == b.leases && a.keys == b.keys && a.now_ns == b.now_ns;
  }
};

using event = std::variant<put_done, deleted, lease_granted, lease_renewed, lease_revoked, leases_expired>;

// -- state ----------------------------------------------------------------------

struct key_value {
  std::string value;
  revision create_revision = 0;
  revision mod_revision = 0;
  std::uint64_t version = 0;  ///< puts since creation
  lease_id lease = 0;
  friend bool operator==(const key_value& a, const key_value& b) {
    return a.value == b.value && a.create_revision == b.create_revision && a.mod_revision == b.mod_revision &&
           a.version == b.version && a.lease == b.lease;
  }
};

struct lease {
  std::int64_t ttl_ns = 0;
  std::int64_t deadline_ns = 0;
  std::set<std::string> keys;  ///< attached (derived from the keys' lease fields)
  friend bool operator==(const lease& a, const lease& b) {
    return a.ttl_ns == b.ttl_ns && a.deadline_ns == b.deadline_ns && a.keys == b.keys;
  }
};

struct state {
  revision rev = 0;  ///< events folded = the revision the keyspace is at
  std::map<std::string, key_value> keys;
  std::map<lease_id, lease> leases;
  std::uint64_t footprint = 0;  ///< see "Quota"; derived, kept up to date by evolve
  friend bool operator==(const state& a, const state& b) {
    return a.rev == b.rev && a.keys == b.keys && a.leases == b.leases && a.footprint == b.footprint;
  }
};

inline const state initial{};

[[nodiscard]] state evolve(state s, const event& e);

// -- commands -------------------------------------------------------------------

struct put {
  std::string key;
  std::string value;
  lease_id lease = 0;
  std::optional<revision> expected;  ///< compare: mod_revision == *expected (0: must not exist)
};

struct delete_key {
  std::string key;
  bool prefix = false;               ///< every key starting with `key`
  std::optional<revision> expected;  ///< single key only
};

struct grant_lease {
  lease_id lease = 0;
  std::int64_t ttl_ns = 0;
  std::int64_t now_ns = 0;
};

struct keep_alive {
  lease_id lease = 0;
  std::int64_t now_ns = 0;
};

struct revoke_lease {
  lease_id lease = 0;
};

struct expire_leases {
  std::int64_t now_ns = 0;
};

using command = std::variant<put, delete_key, grant_lease, keep_alive, revoke_lease, expire_leases>;

[[nodiscard]] decision<event> decide(const state& s, const command& c);

// -- helpers shared with the replica, the codec and the CLI ----------------------

/// Empty when `key` may name a key (or a prefix), otherwise why not.
[[nodiscard]] std::string check_key(std::string_view key);
/// Whether `text` is well-formed UTF-8 (no overlong forms, no surrogates).
[[nodiscard]] bool valid_utf8(std::string_view text);
/// What a key with this value costs against the quota.
[[nodiscard]] std::uint64_t key_footprint(std::string_view key, std::string_view value);
/// The keys starting with `prefix`, sorted.
[[nodiscard]] std::vector<std::string> keys_with_prefix(const state& s, std::string_view prefix);

} // namespace storemesh::services::kv
