@0xced055d9da078e71;
# The control protocol a management client speaks to a host over TCP/IP
# (services/control_path/FORMAT.md has the framing around these messages,
# byte by byte). One frame carries one message: a ControlRequest (frame type
# 1) or a ControlReply (frame type 2), serialized as a standard unpacked Cap'n
# Proto message (segment table, then the segments).

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("storemesh::schema::control");

struct ControlRequest {
  requestId @0 :Data;       # exactly 16 bytes, chosen by the client; a retry reuses it
  issuedAtNs @1 :Int64;     # the client's clock, ns since the Unix epoch (informational)
  storage @2 :Text;         # the storage system the command is for
  operation @3 :Text;       # "inquiry", "report-luns", "snapshot-create", ...
  lun @4 :UInt64;           # the logical unit the command addresses
  args @5 :List(Text);      # the operation's arguments, in order
  hops @6 :UInt8;           # hosts the request has passed; a host refuses more than 4
  path @7 :List(Text);      # the hosts it went through, in order
}

struct ControlReply {
  requestId @0 :Data;       # the request's id; empty when the request could not be read
  ok @1 :Bool;
  errorCode @2 :Text;       # empty when ok; else e.g. "malformed", "oversize", "bad_version", "unknown_type", "busy"
  message @3 :Text;         # for a human: what went wrong, or a summary
  scsiStatus @4 :UInt8;     # SAM status byte (0 GOOD, 2 CHECK CONDITION, ...)
  sense @5 :Data;           # fixed-format sense data when scsiStatus is CHECK CONDITION
  data @6 :Data;            # the command's data-in bytes (FCP_DATA), as the storage system sent them
  oxId @7 :UInt16;          # the FC exchange's originator and responder ids
  rxId @8 :UInt16;
  path @9 :List(Text);      # the hosts the request went through, the answering one last
  detail @10 :Text;         # a rendering of data, filled by the host
}
