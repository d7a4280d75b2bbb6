@0xc5086b1106dce37b;
# Access: a storage server that clients reach in sessions, each session with
# its antivirus-protection decision, and every access (put / get) with its
# verdict and why. One entity kind:
#
#  - access_server (id: the server's name): its endpoint and shares, its
#                  event-sourced policy, its sessions (id `<server>:<16 hex>`)
#                  and every access they made. Decider:
#                  services/access/access_server.hpp (the decision table:
#                  services/access/protection.hpp)
#
# Times are Unix nanoseconds on the clock of whoever issued the command. No
# secret is ever here: a client's key is its public key, its proof a
# signature of the session id.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("storemesh::schema::access");

enum ShareMode {
  byClient @0;   # the client's attributes decide
  always @1;     # every session on the share scans
  never @2;      # no session on the share scans
}

enum OutageAction {
  refuse @0;          # no scanner answered: the access is refused
  allowAndMark @1;    # let through, marked for a scan once the scanner is back
}

enum OversizeAction {
  refuse @0;     # a file larger than maxScanBytes is refused
  allow @1;      # it passes unscanned
}

enum AccessOp {
  put @0;
  get @1;
}

enum Verdict {
  clean @0;
  infected @1;
  notScanned @2;
  deferred @3;
  scannerUnavailable @4;
  tooLarge @5;
}

struct ShareEntry {
  share @0 :Text;
  mode @1 :ShareMode;
}

struct Policy {
  mandatory @0 :Bool;
  maxSignatureAgeH @1 :UInt32;
  trustedNetworks @2 :List(Text);     # CIDRs
  knownKeys @3 :List(Text);           # Ed25519 public keys, 64 lowercase hex digits
  shares @4 :List(ShareEntry);        # a share not listed: byClient
  scanExtensions @5 :List(Text);      # empty: every extension
  excludeExtensions @6 :List(Text);
  maxScanBytes @7 :UInt64;            # 0: no limit
  oversize @8 :OversizeAction;
  onOutage @9 :OutageAction;
  maxFileBytes @10 :UInt64;
}

struct Attribute {
  key @0 :Text;     # av, av.age_h, addr, key, key.proof
  value @1 :Text;
}

struct Protection {
  scan @0 :Bool;
  rule @1 :Text;     # the rule code of the decision table
  reason @2 :Text;   # one line naming the values that decided
}

struct AccessServerCommand {
  union {
    attach :group {
      endpoint @0 :Text;             # host:port of its listener
      shares @1 :List(Text);
      atNs @2 :Int64;
    }
    setPolicy :group {
      policy @3 :Policy;
      atNs @4 :Int64;
    }
    openSession :group {
      session @5 :Text;
      client @6 :Text;
      share @7 :Text;
      attrs @8 :List(Attribute);
      atNs @9 :Int64;
    }
    updateClient :group {
      session @10 :Text;
      attrs @11 :List(Attribute);
      atNs @12 :Int64;
    }
    closeSession :group {
      session @13 :Text;
      atNs @14 :Int64;
    }
    recordAccess :group {            # the data plane's report of one access
      access @15 :Text;              # 32 hex digits
      session @16 :Text;
      op @17 :AccessOp;
      path @18 :Text;                # share-relative
      bytes @19 :UInt64;
      sha256 @20 :Text;
      result @21 :Verdict;
      signature @22 :Text;           # infected: what was found
      dbVersion @23 :Text;           # scanned: the signature database version
      cached @24 :Bool;
      quarantine @25 :Text;          # infected: where it is kept
      atNs @26 :Int64;
    }
    recordRescan :group {            # a deferred access, scanned once the scanner is back
      access @27 :Text;
      result @28 :Verdict;
      signature @29 :Text;
      dbVersion @30 :Text;
      quarantine @31 :Text;
      atNs @32 :Int64;
    }
  }
}

struct AccessServerEvent {
  union {
    attached :group {
      endpoint @0 :Text;
      shares @1 :List(Text);
      atNs @2 :Int64;
    }
    policySet :group {
      policy @3 :Policy;
      policyNo @4 :UInt64;           # 1 for the first
      atNs @5 :Int64;
    }
    sessionOpened :group {
      session @6 :Text;
      client @7 :Text;
      share @8 :Text;
      attrs @9 :List(Attribute);
      decided @10 :Protection;
      atNs @11 :Int64;
    }
    clientUpdated :group {
      session @12 :Text;
      attrs @13 :List(Attribute);
      decided @14 :Protection;
      atNs @15 :Int64;
    }
    sessionRedecided :group {        # a policy change moved an open session's protection
      session @16 :Text;
      decided @17 :Protection;
      policyNo @18 :UInt64;
      atNs @19 :Int64;
    }
    sessionClosed :group {
      session @20 :Text;
      atNs @21 :Int64;
    }
    accessed :group {
      access @22 :Text;
      session @23 :Text;
      op @24 :AccessOp;
      path @25 :Text;
      bytes @26 :UInt64;
      sha256 @27 :Text;
      result @28 :Verdict;
      rule @29 :Text;                # why it was (not) scanned: the decider's own
      reason @30 :Text;
      signature @31 :Text;
      dbVersion @32 :Text;
      cached @33 :Bool;
      quarantine @34 :Text;
      atNs @35 :Int64;
    }
    rescanned :group {
      access @36 :Text;
      result @37 :Verdict;
      signature @38 :Text;
      dbVersion @39 :Text;
      quarantine @40 :Text;
      atNs @41 :Int64;
    }
  }
}

struct Counters {
  puts @0 :UInt64;
  gets @1 :UInt64;
  bytesIn @2 :UInt64;
  bytesOut @3 :UInt64;
  scanned @4 :UInt64;
  notScanned @5 :UInt64;
  infected @6 :UInt64;
  deferred @7 :UInt64;
  refused @8 :UInt64;
  cached @9 :UInt64;
}

struct Session {
  id @0 :Text;
  client @1 :Text;
  share @2 :Text;
  attrs @3 :List(Attribute);
  decided @4 :Protection;
  open @5 :Bool;
  openedNs @6 :Int64;
  closedNs @7 :Int64;
  counters @8 :Counters;
}

struct PendingScan {
  access @0 :Text;
  session @1 :Text;
  share @2 :Text;
  path @3 :Text;
  sha256 @4 :Text;
  bytes @5 :UInt64;
  op @6 :AccessOp;
}

struct Quarantined {
  access @0 :Text;
  session @1 :Text;
  share @2 :Text;
  path @3 :Text;
  signature @4 :Text;
  quarantine @5 :Text;
}

struct AccessServerState {
  attached @0 :Bool;
  endpoint @1 :Text;
  shares @2 :List(Text);
  policy @3 :Policy;
  policyNo @4 :UInt64;
  sessions @5 :List(Session);
  pending @6 :List(PendingScan);
  quarantine @7 :List(Quarantined);
  counters @8 :Counters;
}
