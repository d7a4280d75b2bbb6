#pragma once
// datagram_plane: a packet router's data plane. It receives SMDG datagrams
// (services/consensus/topology/FORMAT.md) on one UDP socket and forwards each
// by the longest-prefix match of the topology its epoch names, to the next
// hop's UDP endpoint; the router's control process (log follower, votes)
// steers it through install / stamp_with / set_peers.
//
//   udp recv (batches) -> ingress stamping -> forwarding_step(tables by epoch)
//      forward{next}: the rewritten bytes to set_peers()[next]  (none: drop no_peer)
//      deliver:       counted and logged (this router is where the prefix is attached)
//      drop{reason}:  counted and logged
//
// Ingress stamping. A datagram arriving with epoch 0 is "unstamped": a host
// sent it into the network. This router stamps it with its stamping epoch
// (the 4 bytes at offset 27, patched in place) and it then goes through
// forwarding_step like any other. A router that stamps nothing yet (stamping
// epoch 0) drops it as unknown_epoch. Every router downstream routes the
// datagram by the table of the epoch it carries, never by its own newest one.
//
// Two-phase activation (why a topology switch loses nothing and no datagram
// mixes two topologies):
//   1. install(e, t) at EVERY router of the network: each can now route
//      datagrams stamped e, but nobody stamps e yet, so nothing changes;
//   2. only when every router has installed e, the control process calls
//      stamp_with(e) (at each ingress): new datagrams carry e, and whichever
//      routers they reach already hold e's table.
// Datagrams stamped with the previous epoch, still in flight, keep following
// the previous topology to their delivery, since its table stays installed
// (the newest keep_epochs tables are kept). Stamping with e before every
// router installed it would drop e's datagrams (unknown_epoch) at a router
// that has not; that is what phase 1 rules out.
//
// The receive log (plane_options::receive_log), one line per datagram
// received, fields separated by one space:
//
//   FLOW SEQ EPOCH HOPS ACTION [DETAIL...]
//   7 1 1 0 forward:r2 ingress      r1 stamped it with epoch 1 and sent it to r2
//   7 1 1 1 forward:r3
//   7 1 1 2 deliver
//   7 2 9 1 drop:unknown_epoch no table for epoch 9 at r2
//   - - - - drop:malformed topology: datagram shorter than a header ...
//
// FLOW, SEQ: decimal, from the datagram; EPOCH: the epoch it was routed by
// (after ingress stamping; 0 when it arrived unstamped and this router stamps
// nothing); HOPS: its hop count as received (routers passed before this one).
// The four are "-" on a malformed datagram (what they would be is garbage). ACTION is
// forward:<next hop router> | deliver | drop:<reason>, reason one of
// malformed, unknown_epoch, no_route, ttl_expired (drop_reason), no_peer (no
// UDP endpoint known for the next hop), send_failed (the kernel refused the
// send; DETAIL has errno). DETAIL is "ingress" on the datagrams this router
// stamped, and a drop's reason in words. Lines are written in batches (at
// least every 50 ms, and on stop), appended to what the file held.
//
// Threads. One io thread receives, routes and sends (datagrams are handled
// in arrival order). install, stamp_with, set_peers and the getters may be
// called from any thread, concurrently: each control call builds a new
// immutable plane state (tables by epoch, stamping epoch, peers) under a
// mutex and publishes it with an atomic store; the io thread loads it once
// per batch of datagrams (no lock per datagram). A batch already being
// handled finishes with the state it loaded.

#include "actors/agents/router_plane/udp_batch.hpp"
#include "events/error.hpp"
#include "services/consensus/topology/forwarding_step.hpp"
#include "services/consensus/topology/topology.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace storemesh::actors::router_plane {

using services::consensus::drop_reason;
using services::consensus::topology_epoch;

struct plane_options {
  std::string router;                   ///< this router's name in topology files
  std::string listen = "127.0.0.1:0";   ///< UDP host:port (port 0: any; port() tells)
  std::filesystem::path receive_log;    ///< empty: none. One line per datagram received (above)
  std::size_t keep_epochs = 4;          ///< installed tables kept (older ones forgotten); at least 1
  udp_batch_options socket;             ///< batch size, socket buffers
};

/// What the plane did since it started. Every datagram received ends in
/// exactly one of forwarded, delivered, dropped[*], no_peer, send_failed.
struct plane_counters {
  std::uint64_t received = 0;
  std::uint64_t stamped = 0;    ///< arrived unstamped and stamped here (ingress)
  std::uint64_t forwarded = 0;  ///< sent to the next hop
  std::uint64_t delivered = 0;
  std::array<std::uint64_t, 4> dropped{};  ///< by drop_reason (forwarding_step's)
  std::uint64_t no_peer = 0;      ///< forward to a router with no known UDP endpoint
  std::uint64_t send_failed = 0;  ///< the kernel refused the send

  [[nodiscard]] std::uint64_t dropped_for(drop_reason r) const { return dropped[static_cast<std::size_t>(r)]; }
  /// Every drop: forwarding_step's, no_peer and send_failed.
  [[nodiscard]] std::uint64_t dropped_total() const;
};

class datagram_plane {
public:
  /// Binds the socket, opens the receive log and starts the io thread.
  /// bad_endpoint, bind_failed, log_failed, bad_option (no router name).
  [[nodiscard]] static result<std::unique_ptr<datagram_plane>> start(plane_options opts);
  ~datagram_plane();  ///< stop()
  datagram_plane(const datagram_plane&) = delete;
  datagram_plane& operator=(const datagram_plane&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept;
  [[nodiscard]] const std::string& router() const noexcept;

  /// Where the routers named in topology files take datagrams ("A.B.C.D:PORT"
  /// by router name, from the log's router registrations); replaces the
  /// previous map, may be called again at any time (a router registered
  /// later). bad_endpoint (naming the router) leaves the previous map in place.
  [[nodiscard]] result<void> set_peers(std::map<std::string, std::string> udp_endpoints_by_router);

  /// Phase 1 of an activation: the table of `epoch`
  /// (forwarding_table::build(t, router)) is installed, so datagrams stamped
  /// with `epoch` are forwarded by it. Does not change what this router
  /// stamps. Installing an epoch again replaces its table. Beyond keep_epochs
  /// tables, the lowest epochs are forgotten (never the stamping one).
  /// epoch_zero for epoch 0.
  [[nodiscard]] result<void> install(topology_epoch epoch, const services::consensus::topology& t);

  /// Phase 2: from now on datagrams entering here unstamped (epoch 0) are
  /// stamped with `epoch`. Call it only once every router of the network has
  /// installed `epoch` (above). not_installed if this router has not.
  [[nodiscard]] result<void> stamp_with(topology_epoch epoch);

  /// The epoch stamped on ingress (0: none yet).
  [[nodiscard]] topology_epoch stamping() const;
  /// The epochs whose tables are installed, ascending.
  [[nodiscard]] std::vector<topology_epoch> installed() const;
  [[nodiscard]] plane_counters counters() const;

  /// Stops receiving, joins the io thread, flushes and closes the receive
  /// log. Idempotent; the destructor calls it.
  void stop();

private:
  struct impl;
  explicit datagram_plane(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace storemesh::actors::router_plane
