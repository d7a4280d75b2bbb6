#pragma once
// What one router process does next, decided purely: given the folded log
// (its network's topology entity, every router entity) and what the process
// itself holds (its own file, what its data plane runs, which commands it
// already sent), the commands to send and the activation steps to take. The
// router agent (actors/agents/router/router_agent) does the I/O around it:
// it fetches files, reviews them, installs tables, signs and appends.
//
// One router's activation of an agreed topology, two-phase so that no
// datagram is lost or routed by two topologies:
//
//   agreed{cid, E} in the log (or found at start, newer than what it runs)
//     --> activate: fetch cid if missing, parse, install(E) in the plane,
//         announce{cid, E}                       (phase 1: it can route E)
//     --> stamp_with(E) once every router the file names has announced an
//         epoch >= E, or `switch_bound_ns` after the install (a router that
//         never comes back must not hold the others on the old epoch)
//                                                 (phase 2: ingress uses E)
//
// Its own file (`router run --topology FILE`) is epoch 0: installed and
// stamped at once, and seeded while the network has agreed nothing.
//
// Commands carry a key from which the agent derives the command id, the same
// on every run, so a router restarted mid-way re-sends the same commands and
// the entities drop the repeats:
//   seed/<network>/<cid>   vote/<network>/<proposal>/<router>
//   expire/<network>/<proposal>/<router>   announce/<router>/<cid>/<epoch>

#include "services/consensus/agreement.hpp"
#include "services/consensus/router_node.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace storemesh::services::consensus {

/// What the router process holds besides the log.
struct router_facts {
  std::string self;                 ///< its name
  std::string network;              ///< the network it is registered in
  std::int64_t now_ns = 0;          ///< its clock
  std::string own_cid;              ///< its --topology file, stored; empty: none
  bool running = false;             ///< the plane has a topology installed
  std::string running_cid;          ///< what the plane has installed last (phase 1)
  std::uint64_t running_epoch = 0;  ///< its epoch (0: its own file)
  std::int64_t installed_at_ns = 0; ///< when it was installed
  std::optional<std::uint64_t> stamping;      ///< the epoch ingress datagrams get (phase 2); none yet
  std::set<std::string> running_names;        ///< the routers the running file names
  std::set<std::string> sent;                 ///< command keys sent by this process
  std::int64_t switch_bound_ns = services::topology::default_window_ns;  ///< phase 2 without every announcement
};

/// The folded log, as the agent reads it.
struct network_view {
  const services::topology::state& topology;
  const std::map<std::string, router::state>& routers;
};

/// Where a file can be fetched: routers' gateways (host:port), best first.
using sources = std::vector<std::string>;

// -- the steps ---------------------------------------------------------------------

/// Send seed{cid}: the network agreed nothing and this router has a file.
struct send_seed {
  std::string key;
  std::string cid;
};
/// Install `cid` as epoch `epoch` (fetch it from `from` if the store lacks it).
struct activate {
  std::string cid;
  std::uint64_t epoch = 0;
  consensus::sources from;
};
/// Announce what the plane runs (the log does not say so yet).
struct send_announce {
  std::string key;
  std::string cid;
  std::uint64_t epoch = 0;
};
/// Switch ingress stamping to `epoch`; `forced`: not every named router announced it.
struct stamp {
  std::uint64_t epoch = 0;
  bool forced = false;
  std::vector<std::string> missing;  ///< forced: the named routers that did not announce it
};
/// Fetch the proposal's file, review it, and send the vote (key, at now).
struct review_and_vote {
  std::string key;
  std::string proposal;
  std::string cid;
  consensus::sources from;  ///< the proposer's gateway
};
/// Send expire{proposal, now}: its deadline passed and it is still open.
struct send_expire {
  std::string key;
  std::string proposal;
};

using plan_step = std::variant<send_seed, activate, send_announce, stamp, review_and_vote, send_expire>;

/// The steps due now, in the order to take them: seed, activation (when the
/// agreed epoch is newer than what runs; nothing else then but expiry: a
/// router votes on a proposal against the agreed topology, which it must run
/// first), announcement, stamping, votes, expiries. Steps whose key is in
/// facts.sent are left out. Votes: on every open proposal of its network
/// that it has not voted on, before the deadline, once it runs the agreed
/// epoch and is enrolled.
[[nodiscard]] std::vector<plan_step> plan_router(const network_view& log, const router_facts& facts);

/// The deterministic command keys (see above).
[[nodiscard]] std::string seed_key(const std::string& network, const std::string& cid);
[[nodiscard]] std::string vote_key(const std::string& network, const std::string& proposal, const std::string& router);
[[nodiscard]] std::string expire_key(const std::string& network, const std::string& proposal,
                                     const std::string& router);
[[nodiscard]] std::string announce_key(const std::string& router, const std::string& cid, std::uint64_t epoch);

/// The registered routers of `network` (the names a topology may use).
[[nodiscard]] std::set<std::string> routers_of(const std::map<std::string, router::state>& routers,
                                               const std::string& network);
/// Their UDP endpoints by name (what the data plane sends to).
[[nodiscard]] std::map<std::string, std::string> udp_endpoints(const std::map<std::string, router::state>& routers,
                                                               const std::string& network);

} // namespace storemesh::services::consensus
