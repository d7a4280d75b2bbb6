@0xc1ede4b0872e99b3;
# Delivery: content pre-positioned at edge units as dispersed, erasure-coded
# slices. A content of `bytes` bytes is cut into segments of `segmentBytes`
# (the last one zero-padded); each segment is Reed-Solomon coded (ISA-L) into
# k data and m parity slices, "pillars" 0..k-1 data and k..k+m-1 parity, so
# that any k of a segment's k+m slices rebuild it. A slice is named
# `<content>.<segment>.<pillar>` (decimal): its file name at an edge and its
# path in the edge's HTTP API. Four entity kinds:
#
#  - user_group (id: its name): devices at one place; every request of the
#                group is an event (the history the preference model learns
#                from). Decider: services/delivery/user_group.hpp
#  - content    (id: its name): kept at the origin: size, SHA-256, coding and
#                the CRC32C of every slice. Decider: services/delivery/content.hpp
#  - edge_unit  (id: its name): an edge process (or the origin) with its
#                endpoint, place, capacity, per-window bandwidth and health.
#                Decider: services/delivery/edge_unit.hpp
#  - delivery   (id: `<group>:<content>`): the process manager that places
#                each slice of a content on an edge for a window and records
#                the edges' confirmations. Decider: services/delivery/process.hpp
#
# Times (`atNs` and every `...Ns`) are Unix nanoseconds on the clock of
# whoever issued the command. Sizes are bytes. Places are metres on the
# operator's plane. Checksums are the standard CRC32C (Castagnoli, as the file
# log computes it) of a slice's payload.
#
# Commands and the events they produce carry the same fields, so most share
# one struct: an `add` command and its `added` event are both a ContentAdd.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("storemesh::schema::delivery");

# -- shared values --------------------------------------------------------------

struct Location {
  xM @0 :Int64;   # metres east on the operator's plane (proximity is the Euclidean distance)
  yM @1 :Int64;   # metres north
}

struct Geometry {
  bytes @0 :UInt64;          # the content's size
  segmentBytes @1 :UInt64;   # data bytes per segment (the last one may hold fewer); 4096..64 MiB, a multiple of 64
  k @2 :UInt32;              # data slices per segment (any k rebuild it); 1..32
  m @3 :UInt32;              # parity slices per segment (that many may be lost); 1..16
}

struct Placement {
  segment @0 :UInt32;   # 0 for the first segment
  pillar @1 :UInt32;    # 0..k-1 data, k..k+m-1 parity
  edge @2 :Text;        # the edge unit that receives and keeps the slice
  window @3 :UInt32;    # the transfer window it is sent in (0 = the first); windows are the off-peak
                        # periods the schedule spreads an edge's bytes over
  crc32c @4 :UInt32;    # the slice's CRC32C as the origin coded it (the edge's confirmation must match)
}

struct Move {
  segment @0 :UInt32;
  pillar @1 :UInt32;
  from @2 :Text;        # the lost edge the slice was placed on
  to @3 :Text;          # the edge it goes to now
  window @4 :UInt32;    # the window it is sent in now
}

struct SliceKey {
  segment @0 :UInt32;
  pillar @1 :UInt32;
}

# -- user_group -----------------------------------------------------------------

struct GroupAdd {
  at @0 :Location;      # where the group's devices are
  devices @1 :UInt32;   # how many devices (>= 1)
  atNs @2 :Int64;
}

struct GroupRequest {
  content @0 :Text;     # the content name the group asked for (the CLI checked it exists)
  atNs @1 :Int64;       # when the group asked (the history's time; > 0)
}

struct UserGroupCommand {
  union {
    add @0 :GroupAdd;                # the same again: no event; different: refused already_added
    recordRequest @1 :GroupRequest;  # refused unknown_group before add
  }
}

struct UserGroupEvent {
  union {
    added @0 :GroupAdd;
    requested @1 :GroupRequest;      # one per request: asking twice is two events
  }
}

struct UserGroupState {
  exists @0 :Bool;
  at @1 :Location;
  devices @2 :UInt32;
  requests @3 :UInt64;        # requests recorded so far (the history itself is the events)
  lastRequestNs @4 :Int64;    # the latest request's time
}

# -- content --------------------------------------------------------------------

struct ContentAdd {
  geometry @0 :Geometry;
  sha256 @1 :Text;                # 64 lowercase hex digits of the whole content
  origin @2 :Text;                # the file's relative path in the origin store
  sliceCrc32c @3 :List(UInt32);   # per slice, index segment * (k + m) + pillar: segments * (k + m) entries
  atNs @4 :Int64;
}

struct ContentCommand {
  union {
    add @0 :ContentAdd;   # the same again: no event; different: refused already_added
    unknown @1 :Void;     # never written (a union has at least two members); a reader refuses it
  }
}

struct ContentEvent {
  union {
    added @0 :ContentAdd;
    unknown @1 :Void;     # never written (a union has at least two members); a reader refuses it
  }
}

struct ContentState {
  exists @0 :Bool;
  geometry @1 :Geometry;
  sha256 @2 :Text;
  origin @3 :Text;
  sliceCrc32c @4 :List(UInt32);
  addedNs @5 :Int64;
}

# -- edge_unit ------------------------------------------------------------------

enum EdgeRole {
  edge @0;     # stores slices and serves them; the planner may pick it
  origin @1;   # serves whole contents; the planner never picks it
}

struct EdgeAttach {
  endpoint @0 :Text;          # host:port of its HTTP listener
  role @1 :EdgeRole;
  at @2 :Location;
  capacityBytes @3 :UInt64;   # what the operator gives the edge to hold (> 0 for an edge)
  windowBytes @4 :UInt64;     # the most it receives in one window (off-peak bandwidth; > 0 for an edge)
  atNs @5 :Int64;
}

struct EdgeReport {
  up @0 :Bool;                # whether it answered its health check
  freeBytes @1 :UInt64;       # free bytes it reported
  reason @2 :Text;            # why, for the operator (e.g. "connection refused at 127.0.0.1:4100")
  atNs @3 :Int64;
}

struct EdgeUnitCommand {
  union {
    attach @0 :EdgeAttach;    # unchanged and up: no event
    report @1 :EdgeReport;    # unchanged: no event; refused not_attached before attach
  }
}

struct EdgeUnitEvent {
  union {
    attached @0 :EdgeAttach;  # also means up again (an edge that was down and attaches comes back)
    reported @1 :EdgeReport;
  }
}

struct EdgeUnitState {
  attached @0 :Bool;
  endpoint @1 :Text;
  role @2 :EdgeRole;
  at @3 :Location;
  capacityBytes @4 :UInt64;
  windowBytes @5 :UInt64;
  up @6 :Bool;
  freeBytes @7 :UInt64;       # its last report's (its capacity until the first report)
  reason @8 :Text;
  changedNs @9 :Int64;        # when attach or a report last changed it
}

# -- delivery (the process manager) ---------------------------------------------

struct DeliveryPlan {
  group @0 :Text;
  content @1 :Text;
  geometry @2 :Geometry;             # the content's coding, copied from it
  edges @3 :List(Text);              # the chosen edges, nearest first
  placements @4 :List(Placement);    # every slice: >= k per segment, < k of one segment per edge
  reason @5 :Text;                   # the planner's why (score, rank), for the operator
  atNs @6 :Int64;
}

struct SliceConfirmation {
  segment @0 :UInt32;
  pillar @1 :UInt32;
  edge @2 :Text;         # the edge that stored and verified the slice
  crc32c @3 :UInt32;     # the CRC32C the edge computed over what it stored
  atNs @4 :Int64;
}

struct DeliveryCommand {
  union {
    plan @0 :DeliveryPlan;           # refused: invalid, already_planned, not_dispersed
    confirm @1 :SliceConfirmation;   # refused: not_planned, not_placed, wrong_edge, checksum_mismatch
    reschedule :group {              # an edge lost mid-delivery; refused: invalid, not_planned, unknown_edge
      edge @2 :Text;                 # the lost edge
      reason @3 :Text;               # why it counts as lost, for the operator
      candidates @4 :List(Text);     # the sender's healthy edges, nearest first
      window @5 :UInt32;             # the window moved slices are sent in
      atNs @6 :Int64;
    }
  }
}

struct DeliveryEvent {
  union {
    planned @0 :DeliveryPlan;
    sliceConfirmed @1 :SliceConfirmation;
    rescheduled :group {
      edge @2 :Text;                 # the lost edge
      reason @3 :Text;
      moves @4 :List(Move);          # its unconfirmed slices that moved (never empty)
      stranded @5 :List(SliceKey);   # those no candidate could take: still the lost edge's, sent when it is
                                     # back, or fetched from the origin
      atNs @6 :Int64;
    }
    completed :group {               # every slice confirmed (once, with the last confirmation)
      atNs @7 :Int64;
    }
  }
}

struct Slot {
  segment @0 :UInt32;
  pillar @1 :UInt32;
  edge @2 :Text;        # where the slice is placed now (after any move)
  window @3 :UInt32;
  crc32c @4 :UInt32;
  confirmed @5 :Bool;   # the edge reported it stored and verified
}

struct DeliveryState {
  planned @0 :Bool;
  group @1 :Text;
  content @2 :Text;
  geometry @3 :Geometry;
  edges @4 :List(Text);       # as planned, then every edge a move chose, in order of first use
  slots @5 :List(Slot);       # by (segment, pillar)
  confirmed @6 :UInt64;       # slots confirmed
  rescheduled @7 :UInt64;     # slices moved by reschedules
  complete @8 :Bool;
  plannedNs @9 :Int64;
  completedNs @10 :Int64;
}
