@0xc7d2f1a3b5e69804;
# The control path: storage systems that speak only Fibre Channel, and the
# hosts on the TCP/IP network that convert control commands for them. Two
# entity kinds:
#
#  - storage      (id: the storage system's name): its FC port, the host its
#                 FC port is coupled to, and every control command that host
#                 converted, forwarded and had answered. Decider:
#                 services/control_path/storage_system.hpp
#  - control_host (id: the host's name): where its interceptor listens on the
#                 TCP/IP network, and the upstream it passes other traffic to.
#                 Decider: services/control_path/control_host.hpp
#
# A request id is the 16 bytes the client chose (a retry reuses them). Times
# are Unix nanoseconds on the clock of whoever issued the command.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("storemesh::schema::storage");

# -- storage -------------------------------------------------------------------

struct ScsiAnswer {
  status @0 :UInt8;         # SCSI status (0 GOOD, 2 CHECK CONDITION, ...)
  senseKey @1 :UInt8;       # with CHECK CONDITION
  asc @2 :UInt8;
  ascq @3 :UInt8;
  dataLength @4 :UInt32;    # bytes of FCP_DATA received
  rxId @5 :UInt16;          # the responder's exchange id
}

struct StorageCommand {
  union {
    add :group {
      fcPort @0 :Text;       # the storage's FC port (a local socket path on the linked host)
    }
    link :group {
      host @1 :Text;         # the host whose FC port is coupled to it
    }
    forward :group {         # a host without the FC link passes a request on
      requestId @2 :Data;
      fromHost @3 :Text;
      toHost @4 :Text;
      operation @5 :Text;
      atNs @6 :Int64;
    }
    convert :group {         # the linked host converts a request into FCP
      requestId @7 :Data;
      host @8 :Text;
      entryHost @9 :Text;    # where the client's request came in
      operation @10 :Text;
      lun @11 :UInt64;
      cdb @12 :Data;
      atNs @13 :Int64;
    }
    answer :group {
      requestId @14 :Data;
      oxId @15 :UInt16;
      scsi @16 :ScsiAnswer;
      atNs @17 :Int64;
    }
    fail :group {
      requestId @18 :Data;
      oxId @19 :UInt16;
      sent @20 :Bool;        # the FCP_CMND left the host: the outcome is unknown
      reason @21 :Text;
      atNs @22 :Int64;
    }
  }
}

struct StorageEvent {
  union {
    added :group {
      fcPort @0 :Text;
    }
    linked :group {
      host @1 :Text;
      previous @2 :Text;     # empty: it had no link
    }
    forwarded :group {
      requestId @3 :Data;
      fromHost @4 :Text;
      toHost @5 :Text;
      operation @6 :Text;
      atNs @7 :Int64;
    }
    converted :group {
      requestId @8 :Data;
      oxId @9 :UInt16;       # the originator's exchange id on the FC link
      host @10 :Text;
      entryHost @11 :Text;
      operation @12 :Text;
      lun @13 :UInt64;
      cdb @14 :Data;
      atNs @15 :Int64;
    }
    answered :group {
      requestId @16 :Data;
      oxId @17 :UInt16;
      scsi @18 :ScsiAnswer;
      atNs @19 :Int64;
    }
    failed :group {
      requestId @20 :Data;
      oxId @21 :UInt16;
      sent @22 :Bool;
      reason @23 :Text;
      atNs @24 :Int64;
    }
  }
}

struct OpenExchange {
  requestId @0 :Data;
  oxId @1 :UInt16;
  host @2 :Text;
  operation @3 :Text;
  lun @4 :UInt64;
  atNs @5 :Int64;
}

struct StorageState {
  added @0 :Bool;
  fcPort @1 :Text;
  host @2 :Text;
  nextOxId @3 :UInt16;
  converted @4 :UInt64;
  answered @5 :UInt64;
  failed @6 :UInt64;
  forwarded @7 :UInt64;
  open @8 :List(OpenExchange);
}

# -- control_host --------------------------------------------------------------

# Its only command: its interceptor listens here (sent when it starts). Should
# a second command ever come, it becomes a union beside these fields.
struct ControlHostCommand {
  endpoint @0 :Text;     # host:port on the TCP/IP network
  upstream @1 :Text;     # host:port traffic that is not control goes to
  atNs @2 :Int64;
}

struct ControlHostEvent {  # attached
  endpoint @0 :Text;
  upstream @1 :Text;
  atNs @2 :Int64;
}

struct ControlHostState {
  attached @0 :Bool;
  endpoint @1 :Text;
  upstream @2 :Text;
  atNs @3 :Int64;
}
