@0xe68a089f8fffee5d;
# Host: a machine that mounts datastores and runs a data-plane agent. A
# replication gateway is a host with a site; its agent reports its load.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("storemesh::schema::host");

enum HostState {
  up @0;
  draining @1;   # takes no new work; running work is moved away
  down @2;
}

# Which side of replication a gateway serves. Hosts registered before gateways
# existed, and plain hosts, have none.
enum Site {
  none @0;
  primary @1;
  recovery @2;
}

struct Datastore {
  name @0 :Text;   # unique per host, [a-z0-9][a-z0-9_.-]*
  path @1 :Text;   # absolute, normalised mount path on the host
}

# One workload's share of a gateway's replication.
struct WorkloadRate {
  job @0 :Text;               # a copy job running on the gateway
  bytesPerSecond @1 :UInt64;  # copied by it over the report's interval
}

# What a gateway's agent measured over one interval (see README, "Gateways
# and rebalancing", for how the load score is computed from it).
struct LoadReport {
  atNs @0 :Int64;             # end of the interval, Unix ns, the agent's clock
  intervalNs @1 :Int64;       # length of the interval
  bytesPerSecond @2 :UInt64;  # replicated (copied) by all its workloads
  queueDepth @3 :UInt32;      # copy jobs assigned to it, running or waiting to run
  cpu @4 :Float64;            # fraction of the machine's CPU its copies used, 0..1
  workloads @5 :List(WorkloadRate);
}

struct Command {
  union {
    register @0 :List(Datastore);
    setState :group {
      state @1 :HostState;
      reason @2 :Text;
    }
    registerGateway :group {  # register with a site: a replication gateway
      datastores @3 :List(Datastore);
      site @4 :Site;
    }
    reportLoad @5 :LoadReport;  # from the gateway's agent, periodically
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
    gatewayRegistered :group {
      datastores @4 :List(Datastore);
      site @5 :Site;
    }
    loadReported @6 :LoadReport;
  }
}

struct State {
  registered @0 :Bool;
  state @1 :HostState;
  datastores @2 :List(Datastore);
  site @3 :Site;
  load @4 :LoadReport;        # the latest report; absent before the first
}
