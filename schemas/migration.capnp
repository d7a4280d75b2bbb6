@0x9e2f6d1c4b8a3057;
# Migration: the process manager that moves a running copy job from host A to
# host B. One entity per migration, id "<job>:<n>". It observes the job's
# events and answers with the job's commands; each step is an event, so a
# daemon killed mid-protocol resumes at the step it had reached.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("storemesh::schema::migration");

enum Outcome {
  completed @0;   # the job completed (on B, or on A if it finished first)
  failed @1;      # the job failed
}

struct Command {
  union {
    begin :group {
      job @0 :Text;
      migration @1 :UInt32;
      from @2 :Text;
      to @3 :Text;
      reason @4 :Text;
    }
    observePortion :group {
      offset @5 :UInt64;
    }
    observeResumed :group {
      epoch @6 :UInt32;
    }
    observeEnd :group {
      outcome @7 :Outcome;
    }
  }
}

struct Event {
  union {
    begun :group {       # request 2 goes to A
      job @0 :Text;
      migration @1 :UInt32;
      from @2 :Text;
      to @3 :Text;
      reason @4 :Text;
    }
    portionReceived :group {   # request 3 goes to B
      offset @5 :UInt64;
    }
    resumed :group {           # B took the job over
      epoch @6 :UInt32;
    }
    ended :group {
      outcome @7 :Outcome;
    }
  }
}

struct State {
  phase @0 :UInt8;
  job @1 :Text;
  migration @2 :UInt32;
  from @3 :Text;
  to @4 :Text;
  reason @5 :Text;
  offset @6 :UInt64;
  epoch @7 :UInt32;
  outcome @8 :UInt8;
}
