@0xec491269aaa6c7ca;
# Every record in every storemesh topic is one Envelope. Any Kafka client can
# decode it: capnp decode schemas/envelope.capnp Envelope < record.bin
#
# Evolution rules (so that no old record ever breaks): fields and union
# members are only ever added, with the next ordinal; nothing is renamed to a
# different meaning, removed or renumbered. A reader that meets a payload
# member it does not know reports "unknown message type N".

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("storemesh::schema");

using Log = import "log.capnp";
using Host = import "host.capnp";
using CopyJob = import "copy_job.capnp";
using Migration = import "migration.capnp";
using Rebalancer = import "rebalancer.capnp";
using Kv = import "kv.capnp";
using Cluster = import "cluster.capnp";
using Consensus = import "consensus.capnp";
using Storage = import "storage.capnp";
using Access = import "access.capnp";
using Delivery = import "delivery.capnp";

struct Envelope {
  id @0 :Data;               # 16 random bytes, unique per message
  entityKind @1 :Text;       # "host", "copy_job", ... ("seal" for batch seals)
  entityId @2 :Text;         # also the record key, so one entity stays in one partition
  sequence @3 :UInt64;       # events: the entity's event number, 1 for its first; commands: 0
  causationId @4 :Data;      # id of the message that caused this one (empty for commands)
  correlationId @5 :Data;    # id shared by every message of one conversation
  timestampNs @6 :Int64;     # Unix time in nanoseconds, set by the producer
  producer @7 :Text;         # who wrote it: "cli@<hostname>", "daemon@<hostname>:<id>"
  commandOffset @17 :Int64 = -1;  # events and rejections: offset of the causing
                                  # command in its commands-topic partition

  integrity :union {
    none @8 :Void;                  # records that need none (snapshots)
    command @9 :CommandSignature;   # commands: signed one by one
    event @10 :EventLink;           # events: hash chain, sealed per batch
    batch @46 :BatchSignature;      # commands: one signature per batch, a proof each
  }

  payload :union {
    unknown @11 :Void;
    rejection @12 :Log.Rejection;
    seal @13 :Log.BatchSeal;
    snapshot @14 :Log.Snapshot;
    hostCommand @15 :Host.Command;
    hostEvent @16 :Host.Event;
    copyJobCommand @18 :CopyJob.Command;
    copyJobEvent @19 :CopyJob.Event;
    migrationCommand @20 :Migration.Command;
    migrationEvent @21 :Migration.Event;
    rebalancerCommand @22 :Rebalancer.Command;
    rebalancerEvent @23 :Rebalancer.Event;
    kvCommand @24 :Kv.Command;
    kvEvent @25 :Kv.Event;
    clusterCommand @26 :Cluster.Command;
    clusterEvent @27 :Cluster.Event;
    routerCommand @28 :Consensus.RouterCommand;
    routerEvent @29 :Consensus.RouterEvent;
    topologyCommand @30 :Consensus.TopologyCommand;
    topologyEvent @31 :Consensus.TopologyEvent;
    storageCommand @32 :Storage.StorageCommand;
    storageEvent @33 :Storage.StorageEvent;
    controlHostCommand @34 :Storage.ControlHostCommand;
    controlHostEvent @35 :Storage.ControlHostEvent;
    accessServerCommand @36 :Access.AccessServerCommand;
    accessServerEvent @37 :Access.AccessServerEvent;
    userGroupCommand @38 :Delivery.UserGroupCommand;
    userGroupEvent @39 :Delivery.UserGroupEvent;
    contentCommand @40 :Delivery.ContentCommand;
    contentEvent @41 :Delivery.ContentEvent;
    edgeUnitCommand @42 :Delivery.EdgeUnitCommand;
    edgeUnitEvent @43 :Delivery.EdgeUnitEvent;
    deliveryCommand @44 :Delivery.DeliveryCommand;
    deliveryEvent @45 :Delivery.DeliveryEvent;
  }
}

struct CommandSignature {
  publicKey @0 :Data;   # Ed25519 public key of the signer (32 bytes)
  signature @1 :Data;   # Ed25519 signature (64 bytes) over
                        # BLAKE2b-256("storemesh.command.v1" || canonical envelope
                        # with this signature field empty)
}

# A command signed as one of a batch: the signer signs the root of a Merkle
# tree (RFC 9162 section 2.1, with BLAKE2b-256) over the batch's commands, and
# every command carries the signed root and its own inclusion proof, so it is
# verifiable alone, wherever the rest of its batch went.
#   leaf  = BLAKE2b-256(0x00 || "storemesh.command.v1" || canonical envelope
#           with this struct holding the publicKey only)
#   node  = BLAKE2b-256(0x01 || left || right)
#   rootSignature = Ed25519 over "storemesh.batch.v1" || treeSize (u64 LE) || root
struct BatchSignature {
  publicKey @0 :Data;      # Ed25519 public key of the signer (32 bytes)
  treeSize @1 :UInt64;     # commands in the batch
  root @2 :Data;           # the tree's root hash (32 bytes)
  rootSignature @3 :Data;  # Ed25519 signature (64 bytes)
  leafIndex @4 :UInt64;    # this command's place in the batch
  auditPath @5 :Data;      # sibling hashes from the leaf up, 32 bytes each
}

struct EventLink {
  prevHash @0 :Data;    # BLAKE2b-256 of the entity's previous event record as
                        # stored (the whole value); 32 zero bytes before the first
}
