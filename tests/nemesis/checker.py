"""The invariants, checked on the raw log (rawlog.py) decoded by the Cap'n
Proto tool (envelope.py): nothing here is storemesh code.

1. every command accepted by the intake is decided exactly once: the events it
   caused (one decision: one command offset, consecutive sequence numbers) or
   one rejection; never twice, never both. A record sent again with the same
   id is the same command (its later copies may only be refused as
   `duplicate`), and no record is answered twice.
2. per entity, event sequences 1..N in log order, each event's prevHash the
   BLAKE2b-256 of the entity's previous event record as stored (32 zero
   bytes before the first).
3. (with the workload's record) every copy job completed with the
   destination's SHA-256 equal to the source's, or failed with a reason.
"""

import hashlib
import os
from collections import defaultdict

import envelope
import rawlog

ZERO32 = bytes(32)


def violation(kind, what, **evidence):
    return {"kind": kind, "what": what, "evidence": evidence}


def where(rec):
    return f"{rec.topic}/{rec.partition}@{rec.offset}"


class View:
    """One read of the whole log, decoded."""

    def __init__(self, prefix, by_topic, notes=(), corrupt=()):
        self.prefix = prefix
        self.commands, self.events, self.seals, self.rejections, self.snapshots = [], [], [], [], []
        self.bad = []  # records that are not envelopes
        self.notes = list(notes)
        self.corrupt = list(corrupt)
        for topic, recs in sorted(by_topic.items()):
            envs = envelope.decode_all([r.value for r in recs])
            for r, e in zip(recs, envs):
                if e is None:
                    self.bad.append(r)
                elif topic == prefix + ".commands":
                    self.commands.append((r, e))
                elif topic == prefix + ".rejected":
                    if e.payload_kind == "seal":
                        self.seals.append((r, e))
                    else:
                        self.rejections.append((r, e))
                elif topic.startswith(prefix + ".events."):
                    if e.payload_kind == "seal":
                        self.seals.append((r, e))
                    else:
                        self.events.append((r, e))
                elif topic == prefix + ".snapshots":
                    self.snapshots.append((r, e))

    def command_ids(self):
        return {e.id for _, e in self.commands}

    def decided_ids(self):
        out = {e.cause for _, e in self.events}
        out |= {e.cause for _, e in self.rejections if (e.payload or {}).get("code") != "duplicate"}
        return out

    def events_of(self, kind, entity):
        return [(r, e) for r, e in self.events if e.kind == kind and e.entity == entity]


def commands_last(topics, prefix):
    """The daemons still run while the view is read (agents report loads
    every second): a command appended after its topic was read may be decided
    before the events are. Every outcome is appended after its command, so
    reading the commands topic last finds the cause of every outcome read."""
    return sorted(topics, key=lambda t: (t == prefix + ".commands", t))


def file_view(log_root, prefix):
    by_topic, notes, corrupt = {}, [], []
    for t in commands_last(rawlog.file_topics(log_root), prefix):
        if t.startswith(prefix + "."):
            recs, n, c = rawlog.read_file_topic(log_root, t)
            by_topic[t] = recs
            notes += n
            corrupt += c
    return View(prefix, by_topic, notes, corrupt)


def kafka_view(bootstrap, prefix):
    by_topic = {t: rawlog.read_kafka_topic(bootstrap, t) for t in commands_last(rawlog.kafka_topics(bootstrap, prefix), prefix)}
    return View(prefix, by_topic)


# -- 1. every command decided exactly once ----------------------------------------

def check_commands(view, must_be_decided):
    """must_be_decided: command ids read earlier (they have had the time to be decided)."""
    out = []
    records_of = defaultdict(list)  # id -> [(rec, env)] of the command
    for r, e in view.commands:
        records_of[e.id].append((r, e))
    caused = defaultdict(list)
    for r, e in view.events:
        caused[e.cause].append((r, e))
    refused = defaultdict(list)
    dups = defaultdict(list)
    for r, e in view.rejections:
        (dups if (e.payload or {}).get("code") == "duplicate" else refused)[e.cause].append((r, e))
    stats = {"commands": len(records_of), "records": len(view.commands), "accepted": 0, "rejected": 0,
             "resent_records": sum(len(v) - 1 for v in records_of.values())}

    for cid, recs in records_of.items():
        evs, rjs = caused.get(cid, []), refused.get(cid, [])
        first = recs[0][0]
        label = f"{recs[0][1].kind}/{recs[0][1].entity} {recs[0][1].variant()[1] or recs[0][1].payload_kind}"
        if evs and rjs:
            out.append(violation("decided_twice", f"command {cid.hex()} ({label}) both caused events and was rejected",
                                 command=where(first), events=[where(r) for r, _ in evs],
                                 rejections=[where(r) + " " + e.payload.get("code", "") for r, e in rjs]))
        elif len(rjs) > 1:
            out.append(violation("decided_twice", f"command {cid.hex()} ({label}) rejected {len(rjs)} times",
                                 command=where(first),
                                 rejections=[f"{where(r)} {e.payload.get('code')} (command offset {e.command_offset})"
                                             for r, e in rjs]))
        elif evs:
            cmd_offsets = sorted({e.command_offset for _, e in evs})
            entities = {(e.kind, e.entity) for _, e in evs}
            seqs = sorted(e.seq for _, e in evs)
            if len(cmd_offsets) > 1 or len(entities) > 1 or seqs != list(range(seqs[0], seqs[0] + len(seqs))):
                out.append(violation("decided_twice", f"command {cid.hex()} ({label}) decided more than once",
                                     command=[where(r) for r, _ in recs], command_offsets=cmd_offsets,
                                     events=[f"{where(r)} seq {e.seq} {e.variant()[1]}" for r, e in evs]))
        elif not rjs and cid in must_be_decided:
            out.append(violation("never_decided", f"command {cid.hex()} ({label}) was never decided",
                                 command=[where(r) for r, _ in recs]))
        if evs:
            stats["accepted"] += 1
        elif rjs:
            stats["rejected"] += 1
        # Copies of the record: at most one answer each; the copy that was
        # decided is not also refused as a duplicate.
        decided_at = {e.command_offset for _, e in evs} | {e.command_offset for _, e in rjs}
        per_offset = defaultdict(int)
        for r, e in dups.get(cid, []):
            per_offset[e.command_offset] += 1
            if e.command_offset in decided_at:
                out.append(violation("decided_twice", f"command {cid.hex()} ({label}): the record that was decided "
                                     f"was also refused as a duplicate", rejection=where(r),
                                     command_offset=e.command_offset))
        for off, n in per_offset.items():
            if n > 1:
                out.append(violation("answered_twice", f"command {cid.hex()} ({label}): its copy at offset {off} "
                                     f"was refused as a duplicate {n} times",
                                     rejections=[where(r) for r, e in dups[cid] if e.command_offset == off]))
    # Outcomes whose command is not in the log at all.
    known = set(records_of)
    for r, e in view.events:
        if e.cause not in known:
            out.append(violation("orphan_event", f"event {e.kind}/{e.entity} seq {e.seq} caused by command "
                                 f"{e.cause.hex()}, which is not in the commands topic", event=where(r)))
    return out, stats


# -- 2. sequences 1..N and the hash chain -----------------------------------------

def check_chains(view):
    out = []
    by_entity = defaultdict(list)
    for r, e in view.events:
        by_entity[(e.kind, e.entity)].append((r, e))
    for (kind, entity), evs in by_entity.items():
        parts = {(r.topic, r.partition) for r, _ in evs}
        if len(parts) > 1:
            out.append(violation("split_entity", f"{kind}/{entity} has events in {len(parts)} partitions",
                                 partitions=sorted(f"{t}/{p}" for t, p in parts)))
            continue
        evs.sort(key=lambda x: x[0].offset)
        prev_value = None
        for i, (r, e) in enumerate(evs, start=1):
            if e.seq != i:
                kind_ = "doubled_event" if e.seq < i else "missing_event"
                out.append(violation(kind_, f"{kind}/{entity}: event #{i} in log order has sequence {e.seq}",
                                     event=where(r), previous=where(evs[i - 2][0]) if i > 1 else None,
                                     producer=e.producer, command_offset=e.command_offset,
                                     cause=e.cause.hex(), payload=e.variant()[1]))
                break
            want = ZERO32 if prev_value is None else hashlib.blake2b(prev_value, digest_size=32).digest()
            if e.prev_hash != want:
                out.append(violation("broken_chain", f"{kind}/{entity} seq {e.seq}: prevHash is not the "
                                     f"BLAKE2b-256 of the previous event record", event=where(r),
                                     prev_hash=e.prev_hash.hex() if e.prev_hash else None, expected=want.hex()))
                break
            prev_value = r.value
    return out, {"entities": len(by_entity), "events": len(view.events)}


# -- 3. copy jobs -------------------------------------------------------------

TERMINAL = ("completed", "failed")


def job_state(view, job):
    """(state, detail) of a copy job from its events: the last of submitted,
    assigned, ..., completed or failed; None if it has no event."""
    evs = view.events_of("copy_job", job)
    if not evs:
        return None, None
    evs.sort(key=lambda x: x[0].offset)
    for _, e in reversed(evs):
        _, v = e.variant()
        if v in TERMINAL:
            return v, e.payload[v]
    return evs[-1][1].variant()[1], None


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)


def check_jobs(view, jobs):
    """jobs: {job id: (source path, destination path)} as the workload submitted them."""
    out, stats = [], defaultdict(int)
    for job, (src, dst) in sorted(jobs.items()):
        state, detail = job_state(view, job)
        if state is None:
            # Every submission that reached the log is decided (check 1); a
            # refused submission made no job.
            stats["not_a_job"] += 1
            if os.path.exists(dst):
                out.append(violation("copy_without_job", f"{job}: no job, yet {dst} exists", destination=dst))
            continue
        if state == "completed":
            stats["completed"] += 1
            if not os.path.exists(dst):
                out.append(violation("copy_lost", f"{job} completed but {dst} does not exist"))
                continue
            a, b = sha256_file(src), sha256_file(dst)
            if a != b:
                out.append(violation("copy_corrupt", f"{job} completed with a SHA-256 other than the source's",
                                     source=a, destination=b, path=dst))
        elif state == "failed":
            stats["failed"] += 1
            stats["failed_" + (detail or {}).get("code", "?")] += 1
            if not (detail or {}).get("code"):
                out.append(violation("failed_without_reason", f"{job} failed without a reason", detail=detail))
            if os.path.exists(dst):
                out.append(violation("partial_destination", f"{job} failed but {dst} exists"))
        else:
            stats["unfinished"] += 1
            out.append(violation("job_unfinished", f"{job} is still {state} after the heal"))
        if state in TERMINAL:
            temp = os.path.join(os.path.dirname(dst), f"{os.path.basename(dst)}.storemesh-{job}.part")
            if os.path.exists(temp):
                out.append(violation("temp_left", f"{job} is {state} but its temp file is left", path=temp))
    return out, dict(stats)


# -- seals: every event and rejection covered by a seal a daemon of the run signed --

try:  # Debian's python3-nacl (libsodium): Ed25519 verification
    import nacl.exceptions
    import nacl.signing
except ImportError:  # pragma: no cover
    nacl = None


def check_seals(view, daemon_keys):
    """daemon_keys: {public key bytes: name}. Each seal covers the `count`
    records just before it in its partition (one append); its signature is
    Ed25519 over BLAKE2b-256("storemesh.seal.v1" || topic || partition i32 LE
    || count u32 LE || BLAKE2b-256 of each covered record). Without
    python3-nacl only the coverage is checked."""
    out, stats = [], {"seals": len(view.seals), "verified": 0}
    by_part = defaultdict(list)
    for r, e in view.events + view.rejections + view.seals:
        by_part[(r.topic, r.partition)].append((r, e))
    for (topic, partition), recs in by_part.items():
        recs.sort(key=lambda x: x[0].offset)
        covered = set()
        for i, (r, e) in enumerate(recs):
            if e.payload_kind != "seal":
                continue
            s = e.payload or {}
            n, key, sig = int(s.get("count", 0)), bytes(s.get("publicKey", [])), bytes(s.get("signature", []))
            batch = recs[max(0, i - n):i]
            if len(batch) != n or any(x[1].payload_kind == "seal" for x in batch):
                out.append(violation("bad_seal", f"seal at {where(r)} covers {n} records, which are not all there",
                                     seal=where(r)))
                continue
            covered.update(x[0].offset for x in batch)
            if key not in daemon_keys:
                out.append(violation("bad_seal", f"seal at {where(r)} by a key of no daemon of this run",
                                     seal=where(r), key=key.hex()))
                continue
            if nacl is None:
                continue
            h = hashlib.blake2b(digest_size=32)
            h.update(b"storemesh.seal.v1" + topic.encode() + partition.to_bytes(4, "little", signed=True)
                     + n.to_bytes(4, "little"))
            for x in batch:
                h.update(hashlib.blake2b(x[0].value, digest_size=32).digest())
            try:
                nacl.signing.VerifyKey(key).verify(h.digest(), sig)
                stats["verified"] += 1
            except nacl.exceptions.BadSignatureError:
                out.append(violation("bad_seal", f"seal at {where(r)}: the signature does not verify",
                                     seal=where(r), by=daemon_keys[key]))
        for r, e in recs:
            if e.payload_kind != "seal" and r.offset not in covered:
                out.append(violation("unsealed", f"{where(r)} ({e.kind}/{e.entity}) is covered by no seal"))
    return out, stats


def dump(view, path):
    """One line per record, in log order, for the evidence of a failed seed."""
    rows = [(r, e, "command") for r, e in view.commands] + [(r, e, "event") for r, e in view.events] + \
        [(r, e, "rejection") for r, e in view.rejections] + [(r, e, "seal") for r, e in view.seals]
    rows.sort(key=lambda x: (x[0].topic, x[0].partition, x[0].offset))
    with open(path, "w") as f:
        for r, e, what in rows:
            extra = ""
            if what == "rejection":
                extra = f" code={e.payload.get('code')} reason={e.payload.get('reason')!r}"
            elif what == "seal":
                extra = f" count={e.payload.get('count')} key={bytes(e.payload.get('publicKey', [])).hex()[:16]}"
            f.write(f"{where(r)} {what} {e.kind}/{e.entity} seq={e.seq} id={e.id.hex()} cause={e.cause.hex()} "
                    f"command_offset={e.command_offset} {'.'.join(x for x in e.variant() if x)} "
                    f"ts={e.timestamp_ns} producer={e.producer}{extra}\n")
