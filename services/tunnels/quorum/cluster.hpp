#pragma once
// Cluster: the quorum of management servers of one cluster, the ordinary
// nodes that may be promoted into it, and the X25519 static keys of both,
// which are the tunnel allow-list. One entity per cluster (id: its name).
//
// A peer's role:
//
//   add_server ------------------> member --report_lost--> lost
//                                    ^                       |
//                                    | report_ready          +--report_back--> member (room, and no
//                                    | (caught up)           |                 promotion fills its loss)
//   add_node --> node --promote--> promoting                 +--report_back--> node   (otherwise: demoted)
//                 ^                  |
//                 +--report_failed---+
//
//   remove_node: any role -> removed (its key leaves the allow-list; a
//   member's removal is also a loss, a promoting node's a failed promotion)
//
// Time enters only as command fields (now_ns, from the clock of whoever
// issued the command: the director for losses and promotions), so the decider
// reads no clock. Offsets are positions in the log the replicas apply.
//
// Choices this module makes (the issue leaves them open):
//  - A server that comes back (report_back) rejoins as a member only when
//    that does not push the quorum over its target (members + promoting <
//    target) and no promotion is under way for its loss; otherwise it is
//    demoted to a node: it keeps its key and address and may be promoted
//    later like any node. Its loss is closed ("returned") either way, unless
//    a promotion for it is under way: that promotion fills it.
//  - Removing a member (remove_node) records a loss with reason "removed" in
//    the same decision, so the director refills the quorum by the same path
//    as after a death, and the audit counts the time below target from then.
//    Removing a promoting node fails its promotion (its loss is open again).
//    Removing a lost server leaves its loss open: it can no longer return.
//  - Failure domains are a preference, not a requirement: a candidate in a
//    domain no member (or promoting node) has always beats one in a domain
//    the quorum already covers, but when no eligible candidate is in a
//    missing domain one in a covered domain is chosen, or a quorum larger
//    than the number of domains could never refill.
//  - The domain that counts is the one registered with add_node; a candidate
//    that reports another is not eligible ("domain_mismatch": its facts are
//    suspect).
//  - Keys are unique across all peers, removed ones included: removal is how
//    an operator revokes a key, so it must not come back under another id. A
//    removed peer's id may be added again (with a fresh key).
//  - Lowering the target demotes nobody: the quorum is above target until it
//    loses servers, and no promotion happens while it is at or above target.
//  - add_server (bootstrap) only while members + promoting < target.
//  - A peer's address is for the record and may be empty: peers and clients
//    open their tunnels to the director, which listens.
//  - Clients (add_client) hold a key on the allow-list to talk to the
//    director; they are never candidates and never counted in the quorum.
//  - Tunnels are told apart by their handshake hash: a peer may hold several
//    at once (a client's concurrent sessions; a peer's new tunnel before the
//    director saw its old one end). A second record of the same opening is
//    refused (already_recorded), as is a close of a tunnel that is not open
//    (no_such_tunnel). A director that restarts closes the tunnels the log
//    says it had open ("director restarted"). The state keeps every open
//    tunnel and the last 64 closed ones.

#include "services/decision.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace storemesh::services::cluster {

// -- events (the storage format: add alternatives, never change one) ----------

/// An X25519 static public key: what a peer proves it holds in the Noise
/// handshake, and what the allow-list holds. Never a private key.
struct public_key {
  std::array<std::uint8_t, 32> bytes{};
  friend bool operator==(const public_key& a, const public_key& b) { return a.bytes == b.bytes; }
  friend bool operator!=(const public_key& a, const public_key& b) { return !(a == b); }
  friend bool operator<(const public_key& a, const public_key& b) { return a.bytes < b.bytes; }
};

enum class role : std::uint8_t { member, node, promoting, lost, removed, client };
enum class loss_status : std::uint8_t { open, filled, returned };
enum class promotion_state : std::uint8_t { started, ready, failed };

struct config {
  std::uint32_t target = 0;               ///< members the quorum should have, >= 1
  std::int64_t grace_ns = 0;              ///< how long it may stay below target
  std::uint64_t max_lag = 0;              ///< records a node may be behind the head and be promoted
  double phi_threshold = 8.0;             ///< the detector's suspicion level for a loss
  std::int64_t heartbeat_interval_ns = 0; ///< how often peers heartbeat
  bool use_domains = false;               ///< prefer nodes in domains the quorum lacks
  /// The director's tunnel key: peers and clients accept a tunnel from it only.
  std::optional<public_key> director_key;
  bool operator==(const config& o) const;
};

/// A peer as an operator adds it.
struct peer_spec {
  std::string id;       ///< [a-z0-9][a-z0-9_.-]{0,62}
  public_key key;
  std::string domain;   ///< failure domain; may be empty
  std::string address;  ///< tunnel endpoint, host:port
  bool operator==(const peer_spec& o) const;
};

/// What the director knows of one node when it asks for a promotion.
struct candidate {
  std::string node;
  bool healthy = false;               ///< heartbeating: phi below the threshold
  std::uint64_t applied_offset = 0;   ///< how far its replica applied the log
  std::uint64_t head_offset = 0;      ///< the log's end when that was measured
  std::string domain;                 ///< as the node reports it
  bool operator==(const candidate& o) const;
  [[nodiscard]] std::uint64_t lag() const { return head_offset > applied_offset ? head_offset - applied_offset : 0; }
};

/// The decider's judgement of one candidate: eligible or why not.
struct verdict {
  cluster::candidate candidate;
  bool eligible = false;
  std::string reason;  ///< why not ("unhealthy", "lagging: ..."), or how it ranked
  bool operator==(const verdict& o) const;
};

struct configured {
  cluster::config config;
  bool operator==(const configured& o) const { return config == o.config; }
};

struct server_added {
  peer_spec peer;
  bool operator==(const server_added& o) const { return peer == o.peer; }
};

struct node_added {
  peer_spec peer;
  bool operator==(const node_added& o) const { return peer == o.peer; }
};

struct peer_removed {
  std::string id;
  role was = role::node;
  std::int64_t at_ns = 0;
  bool operator==(const peer_removed& o) const;
};

struct server_lost {
  std::uint64_t loss = 0;   ///< its id: 1, 2, ... in order
  std::string server;
  std::string observer;     ///< who saw it: the director's id, or "operator"
  double phi = 0;
  std::int64_t last_heartbeat_ns = 0;
  std::int64_t at_ns = 0;
  std::string reason;       ///< "phi" (the detector) or "removed" (an operator)
  bool operator==(const server_lost& o) const;
};

struct promotion_started {
  std::uint64_t promotion = 0;  ///< its id: 1, 2, ... in order
  std::uint64_t loss = 0;
  std::string node;
  std::int64_t at_ns = 0;
  std::uint64_t applied_offset = 0;
  std::uint64_t head_offset = 0;
  std::string domain;
  std::vector<verdict> verdicts;  ///< every candidate's, in the order given
  std::string why;                ///< why this node beat the others
  bool operator==(const promotion_started& o) const;
};

struct promotion_ready {
  std::uint64_t promotion = 0;
  std::string node;
  std::uint64_t applied_offset = 0;
  std::uint64_t head_offset = 0;
  std::int64_t at_ns = 0;
  bool operator==(const promotion_ready& o) const;
};

struct promotion_failed {
  std::uint64_t promotion = 0;
  std::string node;
  std::string reason;
  std::int64_t at_ns = 0;
  bool operator==(const promotion_failed& o) const;
};

struct server_returned {
  std::string server;
  std::uint64_t loss = 0;
  role as = role::member;  ///< member (rejoined) or node (demoted)
  std::int64_t at_ns = 0;
  bool operator==(const server_returned& o) const;
};

struct client_added {
  peer_spec peer;
  bool operator==(const client_added& o) const { return peer == o.peer; }
};

/// The director recorded a tunnel: its peer, the other end, the handshake hash.
struct tunnel_opened {
  std::string peer;
  std::string with;
  std::string handshake_hash;  ///< hex
  std::int64_t at_ns = 0;
  bool operator==(const tunnel_opened& o) const {
    return peer == o.peer && with == o.with && handshake_hash == o.handshake_hash && at_ns == o.at_ns;
  }
};

struct tunnel_closed {
  std::string peer;
  std::string handshake_hash;
  std::string reason;
  std::int64_t at_ns = 0;
  bool operator==(const tunnel_closed& o) const {
    return peer == o.peer && handshake_hash == o.handshake_hash && reason == o.reason && at_ns == o.at_ns;
  }
};

using event = std::variant<configured, server_added, node_added, peer_removed, server_lost, promotion_started,
                           promotion_ready, promotion_failed, server_returned, client_added, tunnel_opened,
                           tunnel_closed>;

// -- state ----------------------------------------------------------------------

struct peer {
  peer_spec spec;
  cluster::role role = role::node;
  bool operator==(const peer& o) const { return spec == o.spec && role == o.role; }
};

struct loss {
  std::uint64_t id = 0;
  std::string server;
  std::int64_t at_ns = 0;
  std::string reason;
  std::string observer;
  double phi = 0;
  std::int64_t last_heartbeat_ns = 0;
  loss_status status = loss_status::open;
  std::uint64_t filled_by = 0;   ///< the promotion that filled it; 0: none
  std::int64_t closed_at_ns = 0; ///< when it was filled or the server returned
  bool operator==(const loss& o) const;
};

struct promotion {
  std::uint64_t id = 0;
  std::string node;
  std::uint64_t loss = 0;
  std::int64_t at_ns = 0;
  std::uint64_t applied_offset = 0;
  std::uint64_t head_offset = 0;
  std::string domain;
  std::vector<verdict> verdicts;
  std::string why;
  promotion_state state = promotion_state::started;
  std::int64_t closed_at_ns = 0;  ///< when it became ready or failed
  std::string failure;            ///< why it failed
  bool operator==(const promotion& o) const;
};

struct tunnel_record {
  std::string peer;
  std::string with;
  std::string handshake_hash;
  std::int64_t opened_at_ns = 0;
  std::int64_t closed_at_ns = 0;  ///< 0: open
  std::string reason;
  bool operator==(const tunnel_record& o) const {
    return peer == o.peer && with == o.with && handshake_hash == o.handshake_hash &&
           opened_at_ns == o.opened_at_ns && closed_at_ns == o.closed_at_ns && reason == o.reason;
  }
};

/// Closed tunnels kept in the state (open ones are all kept).
inline constexpr std::size_t closed_tunnels_kept = 64;

/// Losses and promotions are kept for good (a cluster loses servers rarely):
/// `quorum status` and the audit show their history.
struct state {
  bool configured = false;
  cluster::config config;
  std::map<std::string, peer> peers;           ///< by id
  std::map<std::uint64_t, loss> losses;        ///< by id
  std::map<std::uint64_t, promotion> promotions;  ///< by id
  std::vector<tunnel_record> tunnels;  ///< in the order opened: every open one, the last closed ones
  bool operator==(const state& o) const;

  /// The latest open tunnel of a peer, if any.
  [[nodiscard]] const tunnel_record* open_tunnel_of(std::string_view peer) const;

  [[nodiscard]] const peer* find(std::string_view id) const;
  [[nodiscard]] std::vector<std::string> with_role(role r) const;
  /// The management servers in the quorum, by id.
  [[nodiscard]] std::vector<std::string> members() const { return with_role(role::member); }
  [[nodiscard]] std::size_t count(role r) const;
  /// The tunnel allow-list: the key of every peer not removed, with its id.
  [[nodiscard]] std::map<public_key, std::string> allowed_keys() const;
  [[nodiscard]] bool allowed(const public_key& k) const;
  /// Losses not filled and whose server has not returned (some may have a
  /// promotion under way: see active_promotion).
  [[nodiscard]] std::vector<const loss*> open_losses() const;
  /// Open losses without a promotion under way: what the director should
  /// ask a promotion for, while needs_promotion().
  [[nodiscard]] std::vector<const loss*> unfilled_losses() const;
  /// The started promotion for a loss, if any.
  [[nodiscard]] const promotion* active_promotion(std::uint64_t loss) const;
  /// The started promotion of a node, if any.
  [[nodiscard]] const promotion* promotion_of(std::string_view node) const;
  /// The open loss of a lost server, if any.
  [[nodiscard]] const loss* open_loss_of(std::string_view server) const;
  /// Members and promoting nodes are fewer than the target.
  [[nodiscard]] bool needs_promotion() const;
  /// Members are fewer than the target (what the audit's grace bounds).
  [[nodiscard]] bool below_target() const { return configured && count(role::member) < config.target; }
};

inline const state initial{};

[[nodiscard]] state evolve(state s, const event& e);

// -- commands -------------------------------------------------------------------

/// Sets (or changes) the configuration. The first command of a cluster.
struct configure {
  cluster::config config;
};

/// Bootstrap: a management server, member directly.
struct add_server {
  peer_spec peer;
};

struct add_node {
  peer_spec peer;
};

/// Takes a peer out for good: its key leaves the allow-list.
struct remove_node {
  std::string id;
  std::int64_t now_ns = 0;
};

/// From the director's failure detector: a member's phi crossed the threshold.
struct report_lost {
  std::string server;
  std::string observer;
  double phi = 0;
  std::int64_t last_heartbeat_ns = 0;
  std::int64_t now_ns = 0;
};

/// From the director: fill a loss with one of these nodes (their facts as
/// the director measured them). The decider picks; the event says why.
struct promote {
  std::uint64_t loss = 0;
  std::vector<candidate> candidates;
  std::int64_t now_ns = 0;
};

/// From the promoted node once its replica caught up.
struct report_ready {
  std::string node;
  std::uint64_t applied_offset = 0;
  std::uint64_t head_offset = 0;
  std::int64_t now_ns = 0;
};

/// The promoted node died (or gave up) before it was ready.
struct report_failed {
  std::string node;
  std::string reason;
  std::int64_t now_ns = 0;
};

/// A lost server heartbeats again.
struct report_back {
  std::string server;
  std::int64_t now_ns = 0;
};

/// A client of the director: on the allow-list, never promoted.
struct add_client {
  peer_spec peer;
};

/// From the director: a tunnel with a peer or client opened (or closed).
struct record_tunnel {
  std::string peer;
  std::string with;
  std::string handshake_hash;  ///< hex, 128 characters
  bool opened = true;
  std::string reason;          ///< closed: why
  std::int64_t now_ns = 0;
};

using command = std::variant<configure, add_server, add_node, remove_node, report_lost, promote, report_ready,
                             report_failed, report_back, add_client, record_tunnel>;

[[nodiscard]] decision<event> decide(const state& s, const command& c);

// -- the promotion choice, shared with the director's dry runs ------------------

struct choice {
  std::vector<verdict> verdicts;       ///< one per candidate, in the order given
  std::optional<std::size_t> chosen;   ///< index into candidates
  std::string why;                     ///< why it won, or why none could
};

/// Judges every candidate and picks one, deterministically: eligible = a
/// node (not member, promoting, lost or removed), healthy, head >= applied,
/// lag <= max_lag, reported domain = registered one; then, with domains in
/// use, one in a domain no member or promoting node has; then least lag;
/// then smallest id.
[[nodiscard]] choice choose(const state& s, const std::vector<candidate>& candidates);

// -- helpers shared with the CLI and the codec -------------------------------------

[[nodiscard]] std::string_view to_string(role r);
[[nodiscard]] std::string_view to_string(loss_status s);
[[nodiscard]] std::string_view to_string(promotion_state s);
/// Empty when valid, otherwise why not.
[[nodiscard]] std::string check_peer_id(std::string_view id);
[[nodiscard]] std::string check_domain(std::string_view domain);
[[nodiscard]] std::string check_address(std::string_view address);
[[nodiscard]] std::string check_config(const config& c);
/// Lowercase hex, 64 characters.
[[nodiscard]] std::string to_hex(const public_key& k);
[[nodiscard]] bool parse_key_hex(std::string_view hex, public_key& out);

} // namespace storemesh::services::cluster

namespace storemesh::services::cluster {
inline std::ostream& operator<<(std::ostream& os, role r) { return os << to_string(r); }
inline std::ostream& operator<<(std::ostream& os, loss_status s) { return os << to_string(s); }
inline std::ostream& operator<<(std::ostream& os, promotion_state s) { return os << to_string(s); }
} // namespace storemesh::services::cluster
