@0xe68a089f8fffee5d;
# Host: a machine that mounts datastores and runs a data-plane agent.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("storemesh::schema::host");

enum HostState {
  up @0;
  draining @1;   # takes no new work; running work is moved away
  down @2;
}

struct Datastore {
  name @0 :Text;   # unique per host, [a-z0-9][a-z0-9_.-]*
  path @1 :Text;   # absolute, normalised mount path on the host
}

struct Command {
  union {
    register @0 :List(Datastore);
    setState :group {
      state @1 :HostState;
      reason @2 :Text;
    }
  }
}

struct Event {
  union {
    registered @0 :List(Datastore);
    stateChanged :group {
      from @1 :HostState;
      to @2 :HostState;
      reason @3 :Text;
    }
  }
}

struct State {
  registered @0 :Bool;
  state @1 :HostState;
  datastores @2 :List(Datastore);
}
