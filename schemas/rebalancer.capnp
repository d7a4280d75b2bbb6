@0xc7d94e2a61b3f508;
# Rebalancer: the process manager that keeps the load of one site's
# replication gateways even. One entity per site, id "primary" or "recovery".
# It scores the gateways from their load reports (schemas/host.capnp), plans
# moves of workloads (copy jobs) from the busiest to the least busy, and
# carries each move out as a migration (schemas/copy_job.capnp, `migrate`).
# Every decision is an event, so an auditor replays why each move happened.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("storemesh::schema::rebalancer");

enum Trigger {
  scheduled @0;   # a fresh load report found an evaluation due
  onDemand @1;    # an operator asked (`storemesh rebalance`)
}

# Everything the score and the planner depend on; see README, "Gateways and
# rebalancing", for each key's meaning and default.
struct Settings {
  weightRate @0 :Float64;
  weightQueue @1 :Float64;
  weightCpu @2 :Float64;
  rateCapacity @3 :UInt64;        # bytes/s that make the rate term full
  queueCapacity @4 :UInt32;       # workloads that make the queue term full
  overloadThreshold @5 :Float64;  # score at or above which a gateway is overloaded
  spreadThreshold @6 :Float64;    # (highest - lowest) / highest above which to rebalance
  maxMoves @7 :UInt32;            # per plan; 0 = no limit
  intervalNs @8 :Int64;           # scheduled evaluations; 0 = on demand only
  cooldownWorkloadNs @9 :Int64;
  cooldownGatewayNs @10 :Int64;
  minRemainingNs @11 :Int64;      # a workload expected to end sooner is not moved
  moveTimeoutNs @12 :Int64;       # a move not handed over by then is dropped
  reportIntervalNs @13 :Int64;    # how often gateways report their load
  staleAfterNs @14 :Int64;        # an older report does not count
}

struct GatewayScore {
  gateway @0 :Text;
  score @1 :Float64;
  overloaded @2 :Bool;
  cooling @3 :Bool;         # took part in a move recently: neither gives nor takes
  workloads @4 :UInt32;
}

struct Move {
  job @0 :Text;
  from @1 :Text;
  to @2 :Text;
  weight @3 :Float64;       # score points the workload carries
}

struct Command {
  union {
    configure :group {
      site @0 :Text;
      settings @1 :Settings;
    }
    evaluate :group {
      site @2 :Text;
      trigger @3 :Trigger;
      atNs @4 :Int64;
    }
    # From the rebalancing reactions: what became of a planned move.
    observeMoved :group {
      site @5 :Text;
      job @6 :Text;
      to @7 :Text;          # the gateway that took the job over
      atNs @8 :Int64;
    }
    observeEnded :group {
      site @9 :Text;
      job @10 :Text;
      completed @11 :Bool;  # false: failed
      atNs @12 :Int64;
    }
  }
}

struct Event {
  union {
    configured :group {
      site @0 :Text;
      settings @1 :Settings;
    }
    evaluated :group {
      site @2 :Text;
      trigger @3 :Trigger;
      atNs @4 :Int64;
      spread @5 :Float64;
      gateways @6 :List(GatewayScore);
      excluded @7 :List(Text);    # "<gateway>: why it was not scored"
    }
    skippedAllOverloaded :group {
      reason @8 :Text;
    }
    alertRaised :group {
      code @9 :Text;
      message @10 :Text;
    }
    alertCleared :group {
      code @11 :Text;
      message @12 :Text;
    }
    belowThreshold :group {
      spread @13 :Float64;
      threshold @14 :Float64;
    }
    unbalanceable :group {       # above the threshold, but nothing may move
      spread @15 :Float64;
      threshold @16 :Float64;
      reason @17 :Text;
    }
    planned :group {
      plan @18 :UInt32;
      moves @19 :List(Move);
      spreadBefore @20 :Float64;
      spreadAfter @21 :Float64;  # predicted
      note @22 :Text;
    }
    moved :group {
      plan @23 :UInt32;
      job @24 :Text;
      from @25 :Text;
      to @26 :Text;
      atNs @27 :Int64;
    }
    moveDropped :group {
      plan @28 :UInt32;
      job @29 :Text;
      reason @30 :Text;
      atNs @31 :Int64;
    }
  }
}

struct PendingMove {
  job @0 :Text;
  plan @1 :UInt32;
  from @2 :Text;
  to @3 :Text;
  plannedNs @4 :Int64;
}

struct Moment {
  name @0 :Text;     # a workload or a gateway
  atNs @1 :Int64;    # when it last took part in a move
}

struct State {
  site @0 :Text;
  configured @1 :Bool;
  settings @2 :Settings;
  evaluations @3 :UInt64;
  lastEvaluatedNs @4 :Int64;
  plans @5 :UInt32;
  pending @6 :List(PendingMove);
  workloadsMoved @7 :List(Moment);
  gatewaysMoved @8 :List(Moment);
  alerting @9 :Bool;
  alert @10 :Text;
  lastTrigger @11 :Trigger;
  lastOutcome @12 :Text;
  lastReason @13 :Text;
  lastSpreadBefore @14 :Float64;
  lastSpreadAfter @15 :Float64;
  movesDone @16 :UInt64;
  movesDropped @17 :UInt64;
}
