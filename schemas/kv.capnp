@0x96726e2273f95e8f;
# Kv: a cluster's coordination keyspace (etcd v3 semantics), one entity per
# keyspace. The entity's event sequence number is the keyspace's revision:
# every event advances it by one (lease events too, unlike etcd).
# See services/tunnels/coordination/kv_space.hpp for the rules.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("storemesh::schema::kv");

# The compare of a conditional write.
struct Expected {
  union {
    any @0 :Void;            # unconditional
    modRevision @1 :UInt64;  # the key's mod revision must equal this; 0: the key must not exist
  }
}

struct Command {
  union {
    put :group {
      key @0 :Text;          # 1..1024 bytes of UTF-8, no NUL
      value @1 :Data;        # up to 60 KiB
      lease @2 :UInt64;      # 0: none
      expected @3 :Expected;
    }
    delete :group {
      key @4 :Text;          # the key, or with `prefix` every key starting with it
      prefix @5 :Bool;
      expected @6 :Expected; # single key only
    }
    grantLease :group {
      lease @7 :UInt64;      # chosen by the client, nonzero
      ttlNs @8 :Int64;
      nowNs @9 :Int64;       # the sender's clock: time enters only here
    }
    keepAlive :group {
      lease @10 :UInt64;
      nowNs @11 :Int64;
    }
    revokeLease :group {
      lease @12 :UInt64;
    }
    expireLeases :group {
      nowNs @13 :Int64;      # every lease whose deadline <= nowNs goes, with its keys
    }
  }
}

struct Event {
  union {
    putDone :group {
      key @0 :Text;
      value @1 :Data;
      lease @2 :UInt64;
      previousModRevision @3 :UInt64;  # 0: the put created the key
    }
    deleted @4 :List(Text);            # sorted
    leaseGranted :group {
      lease @5 :UInt64;
      ttlNs @6 :Int64;
      deadlineNs @7 :Int64;
    }
    leaseRenewed :group {
      lease @8 :UInt64;
      deadlineNs @9 :Int64;
    }
    leaseRevoked :group {
      lease @10 :UInt64;
      keys @11 :List(Text);            # deleted with it, sorted
    }
    leasesExpired :group {
      leases @12 :List(UInt64);        # ascending
      keys @13 :List(Text);            # deleted with them, sorted
      nowNs @14 :Int64;
    }
  }
}

struct KeyValue {
  key @0 :Text;
  value @1 :Data;
  createRevision @2 :UInt64;
  modRevision @3 :UInt64;
  version @4 :UInt64;   # puts since the key was (re)created, 1 for the first
  lease @5 :UInt64;
}

struct Lease {
  id @0 :UInt64;
  ttlNs @1 :Int64;
  deadlineNs @2 :Int64;
  # The keys attached are not stored: they are the keys whose lease is this one.
}

struct State {
  revision @0 :UInt64;       # = the number of events folded
  keys @1 :List(KeyValue);   # sorted by key
  leases @2 :List(Lease);    # ascending id
}
