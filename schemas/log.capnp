@0xae05eed323f274b5;
# Records the runtime itself writes: rejections, batch seals, snapshots.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("storemesh::schema");

struct Rejection {
  code @0 :Text;             # machine-readable: "bad_signature", "unknown_key", "duplicate", "rule", ...
  reason @1 :Text;           # one human-readable line
  commandTopic @2 :Text;
  commandPartition @3 :Int32;
  commandOffset @4 :Int64;
  command @5 :Data;          # the refused record's bytes, as received
}

struct BatchSeal {
  publicKey @0 :Data;        # the writing daemon's Ed25519 public key
  count @1 :UInt32;          # how many records immediately before this one, in
                             # the same partition and append, the seal covers
  signature @2 :Data;        # Ed25519 over BLAKE2b-256("storemesh.seal.v1" ||
                             # topic || partition (i32 LE) || count (u32 LE) ||
                             # the BLAKE2b-256 of each covered record, in order)
}

struct ProcessedCommand {
  id @0 :Data;
  commandOffset @1 :Int64;
  decidedNs @2 :Int64;   # when it was decided; ids older than the dedup window are dropped
}

struct Snapshot {
  entityKind @0 :Text;
  entityId @1 :Text;
  lastSequence @2 :UInt64;   # the last event folded into `state`
  lastHash @3 :Data;         # BLAKE2b-256 of that event (the next event's prevHash)
  eventsTopic @4 :Text;
  eventsPartition @5 :Int32;
  eventsOffset @6 :Int64;    # offset of that event: replay resumes after it
  state @7 :Data;            # the entity's state, in its module's schema
  processed @8 :List(ProcessedCommand);  # command ids already decided (idempotency)
  processedFloorNs @9 :Int64;  # ids decided at or before this were forgotten (a count bound):
                               # a command signed then or earlier is refused as expired
}
