@0xa348ea03dbde855e;
# What travels inside a storemesh tunnel (services/tunnels/noise/WIRE.md says
# how a tunnel frames and encrypts it): one PeerMessage per tunnel message.
# Never written to the log; the log holds the commands and events these lead
# to. Peers of different builds talk to each other: the evolution rules of
# envelope.capnp apply here too (add fields and union members, never renumber).
#
#   peer (management server or node)         director                 client (kv CLI, a node)
#        hello, heartbeat ------------------->  phi-accrual detector
#        <------------------ request           <------------------ request
#        response ------------------------->   ------------------> response
#        watchEvent ----------------------->   ------------------> watchEvent

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("storemesh::schema::coordination");

using Kv = import "kv.capnp";

struct PeerMessage {
  union {
    hello @0 :Hello;
    heartbeat @1 :Heartbeat;
    request @2 :Request;
    response @3 :Response;
    watchEvent @4 :WatchEvent;
  }
}

# The first message on a tunnel: who the initiator says it is. The director
# checks it against the cluster entry that holds the tunnel's static key.
struct Hello {
  peer @0 :Text;            # cluster peer id ("m1", "n3"), or a client's name
  role @1 :Text;            # "peer" (serves requests when a member) or "client"
}

struct Heartbeat {
  sentNs @0 :Int64;         # the sender's clock, for the log line only: the
                            # detector uses the receiver's arrival times
  appliedOffset @1 :Int64;  # next kv events offset its replica will apply
  revision @2 :UInt64;      # the kv revision its replica is at
  serving @3 :Bool;         # it believes it is a member and serves requests
}

struct Request {
  id @0 :Data;              # 16 bytes; a write's command id, so a retry on
                            # another server is decided once
  linearizable @1 :Bool;    # reads: only a replica at the log's head answers
  timeoutMs @2 :UInt32;     # how long the sender waits; the server gives up
                            # on a write's outcome a little before
  union {
    get @3 :Text;           # one key
    range :group {
      prefix @4 :Text;
      limit @5 :UInt32;     # 0: no limit (the response still fits a message)
    }
    write @6 :Kv.Command;   # put, delete, cas, leases: decided by the log
    watch :group {
      prefix @7 :Text;      # a key, or every key starting with it
      startRevision @8 :UInt64;  # 0: from the next change
    }
    cancelWatch @9 :Void;   # the watch whose request id is `id`
    status @10 :Void;       # the server's replica position (quorum status)
  }
}

struct KeyValue {
  key @0 :Text;
  value @1 :Data;
  createRevision @2 :UInt64;
  modRevision @3 :UInt64;
  version @4 :UInt64;
  lease @5 :UInt64;
}

struct Response {
  id @0 :Data;
  server @1 :Text;          # who served it
  revision @2 :UInt64;      # the replica's revision when it answered (a
                            # write: the revision of its event)
  appliedOffset @3 :Int64;
  union {
    ok @4 :Void;
    error :group {
      code @5 :Text;        # a rejection's code, or: unavailable, not_caught_up,
                            # timeout, compacted, bad_request, no_server
      message @6 :Text;
    }
  }
  kvs @7 :List(KeyValue);   # get / range; a write's resulting key
  deleted @8 :UInt64;       # delete: how many keys went
  attempts @9 :UInt32;      # filled by the director: servers tried
  peers @10 :List(PeerStatus);  # status, answered by the director itself
  headOffset @11 :Int64;    # status: the kv log's end as the director saw it
}

# What the director measures of one peer (quorum status).
struct PeerStatus {
  id @0 :Text;
  connected @1 :Bool;
  phi @2 :Float64;
  appliedOffset @3 :Int64;
  revision @4 :UInt64;
  sinceHeartbeatMs @5 :Int64;  # -1: never heard from since the director started
  serving @6 :Bool;
  handshakeHash @7 :Text;      # of the open tunnel
}

struct Change {
  kind @0 :Kind;
  enum Kind {
    put @0;
    delete @1;
  }
  kv @1 :KeyValue;          # a delete: the key and the revision that deleted it
}

struct WatchEvent {
  watchId @0 :Data;         # the request id that opened it
  server @1 :Text;
  changes @2 :List(Change); # in revision order, none skipped
  compacted @3 :UInt64;     # nonzero: the start revision is gone; the oldest kept
  canceled @4 :Text;        # non-empty: the watch ended here, and why (the director could not resume it); nothing follows
}
