@0xb3c5e0a4d1f27a61;
# Copy job: a network file copy (NFC) of one file from a shared datastore to
# another datastore, chunk by chunk, on one host at a time. The migration
# module moves it between hosts mid-flight (schemas/migration.capnp).

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("storemesh::schema::copy_job");

struct Location {
  datastore @0 :Text;   # a datastore name registered by hosts
  path @1 :Text;        # relative to the datastore's root, never escaping it
}

struct Command {
  union {
    # From operators.
    submit :group {
      source @0 :Location;
      destination @1 :Location;
      host @2 :Text;            # empty: chosen by policy
      chunkSize @3 :UInt64;
      maxRate @4 :UInt64;       # bytes per second, 0 = unthrottled
    }
    migrate :group {
      to @5 :Text;              # empty: chosen by policy
      reason @6 :Text;
    }
    # From the migration process manager.
    requestStop :group {
      migration @7 :UInt32;
    }
    handOver :group {
      migration @8 :UInt32;
    }
    # From the host's copy engine (agent). `epoch` fences a host that has
    # handed the job over: its late reports are refused as stale.
    reportStarted :group {
      epoch @9 :UInt32;
      size @10 :UInt64;
      mtimeNs @11 :Int64;
    }
    reportProgress :group {
      epoch @12 :UInt32;
      offset @13 :UInt64;
      hashes @14 :List(Data);   # SHA-256 of each chunk completed since the last report
      measuredNs @23 :Int64;    # when the reporter had copied up to OFFSET (its clock); 0: not said
    }
    reportStopped :group {
      epoch @15 :UInt32;
      offset @16 :UInt64;
      hashes @17 :List(Data);
    }
    reportFinished :group {
      epoch @18 :UInt32;
      digest @19 :Data;         # SHA-256 over the chunk hashes, in order
    }
    reportFailed :group {
      epoch @20 :UInt32;
      code @21 :Text;
      reason @22 :Text;
    }
    # From operators: change the throttle of a job that has not finished
    # (kept across migrations). MAX_RATE from now on; with UNTIL_OFFSET > 0,
    # only below that offset, and THEN_RATE from it on (a copy held at a
    # point: 200 MiB/s until 40 GiB, then 1 KiB/s). Rates in bytes per
    # second, 0 = unthrottled.
    throttle :group {
      maxRate @24 :UInt64;
      untilOffset @25 :UInt64;
      thenRate @26 :UInt64;
    }
    # From the host's copy engine: every byte is copied and recorded; the
    # finalize (fdatasync, O_DIRECT read-back and chunk-hash comparison,
    # rename into place) began at STARTED_NS (the reporter's clock).
    reportFinalizing :group {
      epoch @27 :UInt32;
      startedNs @28 :Int64;
    }
  }
}

struct Event {
  union {
    submitted :group {
      source @0 :Location;
      destination @1 :Location;
      chunkSize @2 :UInt64;
      maxRate @3 :UInt64;
    }
    # Request 1 (epoch 1) and request 3 (later epochs): HOST copies from OFFSET.
    assigned :group {
      host @4 :Text;
      epoch @5 :UInt32;
      from @6 :UInt64;
      migration @25 :UInt32;    # the migration that handed it over; 0 for request 1
    }
    started :group {
      size @7 :UInt64;
      mtimeNs @8 :Int64;
    }
    progressed :group {
      offset @9 :UInt64;
      hashes @10 :List(Data);
      measuredNs @28 :Int64;    # the report's measuredNs: rates come from the copy, not from
                                # when the report was decided (a backlog decided at once
                                # after a takeover would show an absurd rate)
    }
    # Host B selected; the migration process manager takes it from here.
    migrationRequested :group {
      migration @11 :UInt32;
      from @12 :Text;
      to @13 :Text;
      reason @14 :Text;
    }
    # Request 2: HOST stops after the chunk in flight.
    stopRequested :group {
      migration @15 :UInt32;
      host @16 :Text;
      epoch @17 :UInt32;
    }
    # HOST completed a first portion, up to OFFSET, and stopped.
    portionCompleted :group {
      host @18 :Text;
      epoch @19 :UInt32;
      offset @20 :UInt64;
      migration @24 :UInt32;
    }
    # MIGRATION: the migration in progress when the job ended, 0 if none.
    completed :group {
      digest @21 :Data;
      migration @26 :UInt32;
    }
    failed :group {
      code @22 :Text;
      reason @23 :Text;
      migration @27 :UInt32;
    }
    # The throttle changed (the command's fields, as decided).
    throttled :group {
      maxRate @29 :UInt64;
      untilOffset @30 :UInt64;
      thenRate @31 :UInt64;
    }
    # HOST (at EPOCH) copied every byte and began the finalize at STARTED_NS:
    # verifying, then renaming. A migration is refused from here on.
    finalizing :group {
      host @32 :Text;
      epoch @33 :UInt32;
      startedNs @34 :Int64;
    }
  }
}

struct Hop {
  host @0 :Text;
  epoch @1 :UInt32;
  from @2 :UInt64;
}

struct State {
  status @0 :UInt8;             # services/migration/copy_job.hpp job_status (5: finalizing)
  source @1 :Location;
  destination @2 :Location;
  chunkSize @3 :UInt64;
  maxRate @4 :UInt64;
  host @5 :Text;
  epoch @6 :UInt32;
  started @7 :Bool;
  size @8 :UInt64;
  mtimeNs @9 :Int64;
  offset @10 :UInt64;
  hashes @11 :List(Data);
  migrations @12 :UInt32;
  migrateTo @13 :Text;
  stopSent @14 :Bool;
  portionDone @15 :Bool;
  hops @16 :List(Hop);
  digest @17 :Data;
  failureCode @18 :Text;
  failureReason @19 :Text;
  rateUntil @20 :UInt64;        # a pending throttle change: thenRate from this offset (0: none)
  rateThen @21 :UInt64;
}
