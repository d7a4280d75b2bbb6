@0xd1db18b2aeb3fb4c;
# Cluster: the quorum of management servers of one cluster, the nodes that may
# be promoted into it, and the X25519 static keys of both (the tunnel
# allow-list). One entity per cluster; its id is the cluster's name. The
# decider is services/tunnels/quorum/cluster.hpp, where every rule is stated.
#
# Times are Unix nanoseconds on the clock of whoever issued the command (the
# director's, for losses and promotions). Offsets are positions in the log
# the replicas apply (a management server's replica of the coordination data).

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("storemesh::schema::cluster");

enum Role {
  member @0;     # a management server in the quorum
  node @1;       # an ordinary node: may be promoted
  promoting @2;  # a node being promoted: catching up, not yet a member
  lost @3;       # a member the failure detector gave up on
  removed @4;    # taken out by an operator; its key is off the allow-list
  client @5;     # a client of the director (the kv CLI, an application):
                 # on the allow-list, never promoted, never heartbeats
}

enum LossStatus {
  open @0;       # not filled yet (a promotion for it may be under way)
  filled @1;     # a promoted node became a member in its place
  returned @2;   # the server came back before any promotion filled it
}

enum PromotionState {
  started @0;    # the node is catching up
  ready @1;      # it caught up and is a member
  failed @2;     # it died or was removed first; its loss is open again
}

struct Config {
  targetSize @0 :UInt32;           # members the quorum should have, >= 1
  graceNs @1 :Int64;               # how long it may stay below target
  maxLag @2 :UInt64;               # log records a node may be behind the head and still be promoted
  phiThreshold @3 :Float64;        # the failure detector's suspicion level for a loss
  heartbeatIntervalNs @4 :Int64;   # how often peers heartbeat (the detector's first estimate)
  useDomains @5 :Bool;             # prefer nodes in failure domains the quorum lacks
  directorKey @6 :Data;            # the director's X25519 static public key (32 bytes): the
                                   # only key a peer or client accepts a tunnel from; empty: none
}

# A tunnel the director recorded: who, and the handshake hash both ends hold
# (never a key). Open ones and the last closed ones are kept in the state.
struct Tunnel {
  peer @0 :Text;
  with @1 :Text;             # the other end: the director's name
  handshakeHash @2 :Text;    # hex, 128 characters (BLAKE2b-512)
  openedAtNs @3 :Int64;
  closedAtNs @4 :Int64;      # 0: open
  reason @5 :Text;           # why it closed
}

# A peer as an operator adds it.
struct PeerSpec {
  id @0 :Text;          # unique in the cluster, [a-z0-9][a-z0-9_.-]{0,62}
  publicKey @1 :Data;   # X25519 static public key, 32 bytes, unique in the cluster
  domain @2 :Text;      # failure domain; may be empty
  address @3 :Text;     # its tunnel endpoint, host:port
}

# A peer as the state holds it.
struct Peer {
  spec @0 :PeerSpec;
  role @1 :Role;
}

# What the director knows of one node when it asks for a promotion.
struct Candidate {
  node @0 :Text;
  healthy @1 :Bool;          # heartbeating (phi below the threshold)
  appliedOffset @2 :UInt64;  # how far its replica applied the log
  headOffset @3 :UInt64;     # the log's end when that was measured
  domain @4 :Text;           # as the node reports it
}

# The decider's judgement of one candidate, kept in the event so that an
# auditor sees why the chosen node won and why every other one did not.
struct Verdict {
  candidate @0 :Candidate;
  eligible @1 :Bool;
  reason @2 :Text;           # why not, or on what it ranked
}

struct Loss {
  id @0 :UInt64;             # 1, 2, ... in the order losses are recorded
  server @1 :Text;
  atNs @2 :Int64;
  reason @3 :Text;           # "phi" (the detector) or "removed" (an operator)
  observer @4 :Text;         # who saw it: the director's id, or "operator"
  phi @5 :Float64;
  lastHeartbeatNs @6 :Int64;
  status @7 :LossStatus;
  filledBy @8 :UInt64;       # the promotion that filled it; 0: none
  closedAtNs @9 :Int64;      # when it was filled or the server returned
}

struct Promotion {
  id @0 :UInt64;             # 1, 2, ... in the order promotions start
  node @1 :Text;
  loss @2 :UInt64;
  atNs @3 :Int64;
  appliedOffset @4 :UInt64;
  headOffset @5 :UInt64;
  domain @6 :Text;
  verdicts @7 :List(Verdict);
  why @8 :Text;              # why this node beat the others
  state @9 :PromotionState;
  closedAtNs @10 :Int64;     # when it became ready or failed
  failure @11 :Text;         # why it failed
}

struct Command {
  union {
    configure @0 :Config;
    addServer @1 :PeerSpec;          # bootstrap: a member directly
    addNode @2 :PeerSpec;
    removeNode :group {              # a node, or a member (then a loss, reason "removed")
      id @3 :Text;
      nowNs @4 :Int64;
    }
    reportLost :group {              # from the director's failure detector
      server @5 :Text;
      observer @6 :Text;
      phi @7 :Float64;
      lastHeartbeatNs @8 :Int64;
      nowNs @9 :Int64;
    }
    promote :group {
      loss @10 :UInt64;
      candidates @11 :List(Candidate);
      nowNs @12 :Int64;
    }
    reportReady :group {             # from the promoted node, once caught up
      node @13 :Text;
      appliedOffset @14 :UInt64;
      headOffset @15 :UInt64;
      nowNs @16 :Int64;
    }
    reportFailed :group {            # the promoted node died before it was ready
      node @17 :Text;
      reason @18 :Text;
      nowNs @19 :Int64;
    }
    reportBack :group {              # a lost server heartbeats again
      server @20 :Text;
      nowNs @21 :Int64;
    }
    addClient @22 :PeerSpec;         # a client: on the allow-list, never promoted
    recordTunnel :group {            # from the director: a tunnel opened or closed
      peer @23 :Text;
      with @24 :Text;
      handshakeHash @25 :Text;
      opened @26 :Bool;
      reason @27 :Text;
      nowNs @28 :Int64;
    }
  }
}

struct Event {
  union {
    configured @0 :Config;
    serverAdded @1 :PeerSpec;
    nodeAdded @2 :PeerSpec;
    peerRemoved :group {
      id @3 :Text;
      was @4 :Role;
      atNs @5 :Int64;
    }
    serverLost :group {
      loss @6 :UInt64;
      server @7 :Text;
      observer @8 :Text;
      phi @9 :Float64;
      lastHeartbeatNs @10 :Int64;
      atNs @11 :Int64;
      reason @12 :Text;
    }
    promotionStarted :group {
      promotion @13 :UInt64;
      loss @14 :UInt64;
      node @15 :Text;
      atNs @16 :Int64;
      appliedOffset @17 :UInt64;
      headOffset @18 :UInt64;
      domain @19 :Text;
      verdicts @20 :List(Verdict);
      why @21 :Text;
    }
    promotionReady :group {
      promotion @22 :UInt64;
      node @23 :Text;
      appliedOffset @24 :UInt64;
      headOffset @25 :UInt64;
      atNs @26 :Int64;
    }
    promotionFailed :group {
      promotion @27 :UInt64;
      node @28 :Text;
      reason @29 :Text;
      atNs @30 :Int64;
    }
    serverReturned :group {
      server @31 :Text;
      loss @32 :UInt64;
      as @33 :Role;                  # member (rejoined) or node (demoted)
      atNs @34 :Int64;
    }
    clientAdded @35 :PeerSpec;
    tunnelOpened :group {
      peer @36 :Text;
      with @37 :Text;
      handshakeHash @38 :Text;
      atNs @39 :Int64;
    }
    tunnelClosed :group {
      peer @40 :Text;
      handshakeHash @41 :Text;
      reason @42 :Text;
      atNs @43 :Int64;
    }
  }
}

struct State {
  configured @0 :Bool;
  config @1 :Config;
  peers @2 :List(Peer);
  losses @3 :List(Loss);
  promotions @4 :List(Promotion);
  tunnels @5 :List(Tunnel);
}
