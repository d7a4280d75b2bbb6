#pragma once
// Topology: the agreement of one network's routers on the topology file they
// route by (id: the network's name). It holds the routers that vote, the
// agreed topology (its CID and epoch) and every proposal with each vote and
// its reason. It is the proposal process manager: routers propose and vote by
// command, and the entity decides when a proposal is agreed.
//
// A proposal's lifecycle:
//
//                 +--accepts reach the quorum------------------> agreed (epoch + 1)
//                 |
//   propose --> open --rejects leave the quorum out of reach----> refused
//                 |
//                 +--expire at or after its deadline------------> expired
//                 |
//                 +--another proposal (or the seed) agreed first-> superseded
//
// Every closed state is final.
//
// The quorum rule. With n the routers enrolled when the vote is counted:
//   quorum = floor(n / 2) + 1                 when configured 0 (a majority, the default)
//   quorum = min(configured count, n)         otherwise (never more than are enrolled)
// A proposal is agreed by the vote whose accept makes accepts >= quorum; it is
// refused by the vote whose reject makes n - rejects < quorum (the accepts
// still possible cannot reach it). A router that does not vote (down during
// the vote) counts as no vote: the proposal stays open until enough others
// vote, or expires.
//
// Rules:
//  - configure{quorum, window}: window > 0. The same configuration again is
//    refused (no_change). Optional: an unconfigured network has quorum 0
//    (majority) and a 30 s window.
//  - enroll{router}: a router that votes. Enrolling it again changes nothing
//    (accepted, no event). The reactions enroll every registered router in its
//    network (services/consensus/reactions.hpp).
//  - seed{cid}: the initial agreed topology, epoch 1 (the first router's
//    file), only while nothing is agreed. The same cid again changes nothing;
//    another one is refused (already_agreed). Proposals open then are based
//    on nothing: the seed supersedes them (superseded{p, by: ""}), as an
//    agreement does, or one could be agreed later over a topology it was
//    never based on.
//  - propose{proposal, cid, proposer, base_cid, deadline_ns}: the proposer
//    must be enrolled; base_cid must be the agreed cid (empty while nothing is
//    agreed), else it is stale; the cid must differ from the agreed one. The
//    deadline is the proposer's time + the window, computed by the proposer.
//    The same proposal again (same id, same fields) changes nothing; the same
//    id with other fields is refused (proposal_exists). Proposals may be open
//    concurrently. Proposing is not voting: the proposer votes like the others.
//  - vote{proposal, router, accept, reason, at_ns}: only an enrolled router,
//    only on an open proposal, only before its deadline (at_ns < deadline).
//    One vote per router per proposal: the same accept again changes nothing,
//    the other one is refused (already_voted). A vote that reaches the quorum
//    is decided together with agreed{proposal, cid, epoch + 1} and
//    superseded{other, by} for every other open proposal, in one decision:
//    of concurrent proposals the first to reach the quorum in log order wins,
//    and that order is the same on every replay.
//  - expire{proposal, now_ns}: now_ns >= deadline and still open -> expired;
//    before the deadline it is refused (not_due); a closed proposal changes
//    nothing (accepted, no event: whoever expires proposals by the clock does
//    not wait for an outcome).
//
// A command that changes nothing produces no event, so its sender sees no
// outcome in the log: senders that wait (the CLI) look at the state first.
// Time enters only as command fields (deadline_ns, at_ns, now_ns).

#include "services/decision.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace storemesh::services::topology {

// -- events (the storage format: add alternatives, never change one) ----------

inline constexpr std::int64_t default_window_ns = 30'000'000'000;

struct config {
  std::uint32_t quorum = 0;                ///< 0: a majority of the enrolled routers
  std::int64_t window_ns = default_window_ns;  ///< how long a proposal stays open
  bool operator==(const config& o) const { return quorum == o.quorum && window_ns == o.window_ns; }
  bool operator!=(const config& o) const { return !(*this == o); }
};

struct configured {
  topology::config config;
  bool operator==(const configured& o) const { return config == o.config; }
};

struct enrolled {
  std::string router;
  bool operator==(const enrolled& o) const { return router == o.router; }
};

struct seeded {
  std::string cid;
  std::uint64_t epoch = 1;
  bool operator==(const seeded& o) const { return cid == o.cid && epoch == o.epoch; }
};

struct proposed {
  std::string proposal;
  std::string cid;
  std::string proposer;
  std::string base_cid;
  std::int64_t deadline_ns = 0;
  bool operator==(const proposed& o) const {
    return proposal == o.proposal && cid == o.cid && proposer == o.proposer && base_cid == o.base_cid &&
           deadline_ns == o.deadline_ns;
  }
};

struct voted {
  std::string proposal;
  std::string router;
  bool accept = false;
  std::string reason;
  std::int64_t at_ns = 0;
  bool operator==(const voted& o) const {
    return proposal == o.proposal && router == o.router && accept == o.accept && reason == o.reason &&
           at_ns == o.at_ns;
  }
};

struct agreed {
  std::string proposal;
  std::string cid;
  std::uint64_t epoch = 0;  ///< the previous agreed epoch + 1
  bool operator==(const agreed& o) const { return proposal == o.proposal && cid == o.cid && epoch == o.epoch; }
};

/// The rejects left the quorum out of reach: enrolled - rejects < quorum.
struct refused {
  std::string proposal;
  std::uint32_t rejects = 0;
  std::uint32_t quorum = 0;
  std::uint32_t enrolled = 0;
  bool operator==(const refused& o) const {
    return proposal == o.proposal && rejects == o.rejects && quorum == o.quorum && enrolled == o.enrolled;
  }
};

struct expired {
  std::string proposal;
  std::int64_t at_ns = 0;
  bool operator==(const expired& o) const { return proposal == o.proposal && at_ns == o.at_ns; }
};

struct superseded {
  std::string proposal;
  std::string by;  ///< the proposal agreed instead; empty: the seed
  bool operator==(const superseded& o) const { return proposal == o.proposal && by == o.by; }
};

using event = std::variant<configured, enrolled, seeded, proposed, voted, agreed, refused, expired, superseded>;

// -- state ----------------------------------------------------------------------

enum class proposal_status : std::uint8_t { open, agreed, refused, expired, superseded };

struct vote {
  std::string router;
  bool accept = false;
  std::string reason;
  std::int64_t at_ns = 0;
  bool operator==(const vote& o) const {
    return router == o.router && accept == o.accept && reason == o.reason && at_ns == o.at_ns;
  }
};

struct proposal {
  std::string id;
  std::uint64_t number = 0;  ///< 1, 2, ... in log order
  std::string cid;
  std::string proposer;
  std::string base_cid;
  std::int64_t deadline_ns = 0;
  proposal_status status = proposal_status::open;
  std::vector<vote> votes;    ///< in the order cast
  std::uint64_t epoch = 0;    ///< agreed: the epoch it became
  std::string closed_by;      ///< superseded: the proposal agreed instead
  std::int64_t closed_at_ns = 0;  ///< expired: when
  bool operator==(const proposal& o) const;

  [[nodiscard]] bool open() const { return status == proposal_status::open; }
  [[nodiscard]] const vote* vote_of(std::string_view router) const;
  [[nodiscard]] std::uint32_t accepts() const;
  [[nodiscard]] std::uint32_t rejects() const;
};

/// Proposals are kept for good (a network votes rarely): a repeated id is
/// recognised however old, and `topology status` shows the history.
struct state {
  bool configured = false;
  topology::config config;
  std::vector<std::string> routers;  ///< enrolled, in the order enrolled
  std::string agreed_cid;            ///< empty: nothing agreed yet
  std::uint64_t epoch = 0;           ///< 0: nothing agreed; the seed is 1
  std::string agreed_by;             ///< the proposal agreed last; empty after the seed
  std::map<std::string, proposal> proposals;  ///< by id
  bool operator==(const state& o) const;

  [[nodiscard]] bool is_enrolled(std::string_view router) const;
  [[nodiscard]] const proposal* find(std::string_view id) const;
  /// The proposals in log order.
  [[nodiscard]] std::vector<const proposal*> in_order() const;
  [[nodiscard]] std::vector<const proposal*> open_proposals() const;
  /// The quorum now, by the rule above.
  [[nodiscard]] std::uint32_t quorum() const { return quorum_of(config, routers.size()); }

  /// The quorum rule: majority of `enrolled` when configured 0, else the
  /// configured count, never more than `enrolled`.
  [[nodiscard]] static std::uint32_t quorum_of(const topology::config& c, std::size_t enrolled);
};

inline const state initial{};

[[nodiscard]] state evolve(state s, const event& e);

// -- commands -------------------------------------------------------------------

struct configure {
  topology::config config;
};

struct enroll {
  std::string router;
};

struct seed {
  std::string cid;
};

struct propose {
  std::string proposal;
  std::string cid;
  std::string proposer;
  std::string base_cid;          ///< the agreed cid it replaces (empty while none is)
  std::int64_t deadline_ns = 0;  ///< the proposer's time + the window
};

struct cast_vote {
  std::string proposal;
  std::string router;
  bool accept = false;
  std::string reason;   ///< why: what the voter checked, or what it found wrong
  std::int64_t at_ns = 0;  ///< the voter's clock
};

struct expire {
  std::string proposal;
  std::int64_t now_ns = 0;
};

using command = std::variant<configure, enroll, seed, propose, cast_vote, expire>;

[[nodiscard]] decision<event> decide(const state& s, const command& c);

// -- helpers shared with the CLI and the codec -------------------------------------

[[nodiscard]] std::string_view to_string(proposal_status s);
/// Empty when valid, otherwise why not.
[[nodiscard]] std::string check_config(const config& c);

} // namespace storemesh::services::topology

namespace storemesh::services::topology {
inline std::ostream& operator<<(std::ostream& os, proposal_status s) { return os << to_string(s); }
} // namespace storemesh::services::topology
