@0xb558c690a5ad4869;
# Consensus: packet routers and the votes by which the routers of one network
# agree on the topology file they route by. Two entity kinds:
#
#  - router   (id: the router's name): its endpoints, its network, and the
#             topology it reports routing by. Decider: services/consensus/router_node.hpp
#  - topology (id: the network's name): the routers that vote, the agreed
#             topology CID and its epoch, the proposals with every vote and
#             its reason. Decider: services/consensus/agreement.hpp, where the
#             quorum rule and a proposal's lifecycle are stated.
#
# A CID is the text form of an IPFS CIDv1 (base32, so it starts with 'b').
# Times are Unix nanoseconds on the clock of whoever issued the command.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("storemesh::schema::consensus");

# -- router --------------------------------------------------------------------

struct RouterSpec {
  udp @0 :Text;       # where it forwards datagrams from, host:port
  gateway @1 :Text;   # its HTTP endpoint (GET /ipfs/<cid>), host:port
  network @2 :Text;   # the network whose topology it routes by ("default")
}

struct RouterCommand {
  union {
    register @0 :RouterSpec;
    announce :group {       # the topology it routes by now
      cid @1 :Text;
      epoch @2 :UInt64;     # the agreed epoch of that topology; 0: not agreed by a vote
      atNs @3 :Int64;
    }
  }
}

struct RouterEvent {
  union {
    registered @0 :RouterSpec;
    announced :group {
      cid @1 :Text;
      epoch @2 :UInt64;
      atNs @3 :Int64;
    }
  }
}

struct RouterState {
  registered @0 :Bool;
  spec @1 :RouterSpec;
  activeCid @2 :Text;       # empty: it announced nothing yet
  epoch @3 :UInt64;
  announcedAtNs @4 :Int64;
}

# -- topology --------------------------------------------------------------------

struct TopologyConfig {
  quorum @0 :UInt32;     # 0: a majority of the enrolled routers; else this many (at most all enrolled)
  windowNs @1 :Int64;    # how long a proposal stays open: its deadline is its time + this
}

enum ProposalStatus {
  open @0;
  agreed @1;       # its accepts reached the quorum
  refused @2;      # its rejects left the quorum out of reach
  expired @3;      # its deadline passed first
  superseded @4;   # another proposal was agreed first
}

struct TopologyCommand {
  union {
    configure @0 :TopologyConfig;
    enroll :group {
      router @1 :Text;
    }
    seed :group {            # the initial agreed topology (only while none is agreed)
      cid @2 :Text;
    }
    propose :group {
      proposal @3 :Text;     # its id, chosen by the proposer
      cid @4 :Text;
      proposer @5 :Text;
      baseCid @6 :Text;      # the agreed topology it replaces
      deadlineNs @7 :Int64;  # the proposer's time + the window
    }
    vote :group {
      proposal @8 :Text;
      router @9 :Text;
      accept @10 :Bool;
      reason @11 :Text;
      atNs @12 :Int64;       # the voter's time: a vote at or after the deadline is refused
    }
    expire :group {
      proposal @13 :Text;
      nowNs @14 :Int64;
    }
  }
}

struct TopologyEvent {
  union {
    configured @0 :TopologyConfig;
    enrolled :group {
      router @1 :Text;
    }
    seeded :group {
      cid @2 :Text;
      epoch @3 :UInt64;      # 1
    }
    proposed :group {
      proposal @4 :Text;
      cid @5 :Text;
      proposer @6 :Text;
      baseCid @7 :Text;
      deadlineNs @8 :Int64;
    }
    voted :group {
      proposal @9 :Text;
      router @10 :Text;
      accept @11 :Bool;
      reason @12 :Text;
      atNs @13 :Int64;
    }
    agreed :group {
      proposal @14 :Text;
      cid @15 :Text;
      epoch @16 :UInt64;     # the previous agreed epoch + 1
    }
    refused :group {
      proposal @17 :Text;
      rejects @18 :UInt32;
      quorum @19 :UInt32;
      enrolled @20 :UInt32;
    }
    expired :group {
      proposal @21 :Text;
      atNs @22 :Int64;
    }
    superseded :group {
      proposal @23 :Text;
      by @24 :Text;          # the proposal agreed instead
    }
  }
}

struct Vote {
  router @0 :Text;
  accept @1 :Bool;
  reason @2 :Text;
  atNs @3 :Int64;
}

struct Proposal {
  id @0 :Text;
  number @1 :UInt64;     # 1, 2, ... in log order
  cid @2 :Text;
  proposer @3 :Text;
  baseCid @4 :Text;
  deadlineNs @5 :Int64;
  status @6 :ProposalStatus;
  votes @7 :List(Vote);  # in the order cast
  epoch @8 :UInt64;      # agreed: the epoch it became
  closedBy @9 :Text;     # superseded: the proposal agreed instead
  closedAtNs @10 :Int64; # expired: when
}

struct TopologyState {
  configured @0 :Bool;
  config @1 :TopologyConfig;
  routers @2 :List(Text);      # enrolled, in the order enrolled
  agreedCid @3 :Text;          # empty: nothing agreed yet
  epoch @4 :UInt64;            # 0: nothing agreed yet; the seed is 1
  agreedBy @5 :Text;           # the proposal agreed last; empty after the seed
  proposals @6 :List(Proposal);  # in log order
}
