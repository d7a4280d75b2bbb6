"""What golden_log.sh computes from the CLI's output and compares with tests/golden/expected/.

  golden.py manifest  < records.jsonl    every kind of record and how many: `<kind> <count>` lines
  golden.py entities  < records.jsonl    every entity and its number of events: `<kind>/<id> <count>` lines
  golden.py snapshotted KIND/ID... < records.jsonl   exits 1 unless each entity has a snapshot in the log
  golden.py compare EXPECTED_DIR ACTUAL_DIR           (c): the read paths' outputs, the manifest, the counts
  golden.py guard OLD_DIR NEW_DIR                     refuses a re-recording that changes what was recorded
                                                      about an entity the new scenarios did not touch

records.jsonl is `storemesh events tail --json` over every topic.
"""
import json
import os
import sys

# Read paths recorded in expected/: file -> (the field that names the entity, its entity kind).
READ_PATHS = {
    "host-list.jsonl": ("id", "host"),
    "copy-list.jsonl": ("id", "copy_job"),
    "copy-status.jsonl": ("id", "copy_job"),
    "gateway-list.jsonl": ("id", "host"),
    "rebalance-status.jsonl": ("site", "rebalancer"),
    "audit.json": (None, None),
}

# Fields that depend on the moment the command runs, not on the log: left out of every comparison.
# `gateway list` scores each gateway as the rebalancer would now: a load report counts only while it is
# younger than stale_after (so long after the log was written none does), and a workload's cool-down runs
# on the clock. Everything else every read path prints comes from the log alone (a finished job's rate and
# ETA too: measured from its progress events' times), and is compared.
IGNORED = {
    "gateway-list.jsonl": {
        "scored", "not_scored", "score", "overloaded", "cooling",  # the score at this moment
        "report_age_seconds",                                       # now minus the last report's time
        "workloads[].weight", "workloads[].movable", "workloads[].why",  # the same, per workload
    },
}


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def records(stream):
    for n, line in enumerate(stream, 1):
        r = json.loads(line)
        if "error" in r:
            fail(f"{r['topic']}/{r['partition']}@{r['offset']} does not decode: {r['error']}")
        yield r


def kind_of(envelope):
    """The union member a record holds, named as its schema names it: hostEvent.registered, seal, ..."""
    (payload, body), = envelope["payload"].items()
    if payload.endswith("Event") or payload.endswith("Command"):
        if not isinstance(body, dict) or len(body) != 1:
            return f"{payload}.?"
        return f"{payload}.{next(iter(body))}"
    if payload == "rejection":
        return f"rejection:{body['code']}"
    if payload == "snapshot":
        return f"snapshot:{body['entityKind']}"
    return payload  # seal, unknown


def manifest(stream):
    counts = {}
    for r in records(stream):
        k = kind_of(r["envelope"])
        counts[k] = counts.get(k, 0) + 1
    for k in sorted(counts):
        print(k, counts[k])


def entities(stream):
    counts = {}
    for r in records(stream):
        e = r["envelope"]
        if ".events." in r["topic"] and e["entityKind"] != "seal":
            key = f"{e['entityKind']}/{e['entityId']}"
            counts[key] = counts.get(key, 0) + 1
    for k in sorted(counts):
        print(k, counts[k])


def snapshotted(wanted, stream):
    have = {f"{r['envelope']['payload']['snapshot']['entityKind']}/{r['envelope']['payload']['snapshot']['entityId']}"
            for r in records(stream) if "snapshot" in r["envelope"]["payload"]}
    missing = [w for w in wanted if w not in have]
    if missing:
        fail(f"no snapshot of {', '.join(missing)} in the golden log: the daemon would not recover it from one")


def counts_file(path):
    out = {}
    with open(path) as f:
        for line in f:
            k, n = line.rsplit(" ", 1)
            out[k] = int(n)
    return out


def json_lines(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def strip(value, ignored, prefix=""):
    """VALUE without the IGNORED paths ('a', 'a.b', 'list[].b')."""
    if isinstance(value, dict):
        return {k: strip(v, ignored, f"{prefix}{k}") for k, v in value.items() if f"{prefix}{k}" not in ignored}
    if isinstance(value, list):
        return [strip(v, ignored, f"{prefix}[].") for v in value]
    return value


def differences(expected, actual, path=""):
    """Where ACTUAL differs from EXPECTED. Fields ACTUAL adds (a newer CLI prints more) are not differences;
    a field left out, or any value not equal, is."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for k, v in expected.items():
            if k not in actual:
                out.append(f"{path}{k}: missing (expected {json.dumps(v)})")
            else:
                out += differences(v, actual[k], f"{path}{k}.")
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path[:-1] or '.'}: {len(actual)} items, expected {len(expected)}"]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            out += differences(e, a, f"{path}{i}.")
        return out
    return [] if expected == actual else [f"{path[:-1] or '.'}: {json.dumps(actual)}, expected {json.dumps(expected)}"]


def keyed(name, objects):
    key, kind = READ_PATHS[name]
    if key is None:
        return {None: objects[0] if objects else None}
    out = {}
    for o in objects:
        if o[key] in out:
            fail(f"{name}: {o[key]} twice")
        out[o[key]] = o
    return out


def compare_read_path(name, expected_dir, actual_dir, only=None):
    """Differences of one read path's output, per entity (ONLY: just those entities)."""
    ignored = IGNORED.get(name, set())
    exp = keyed(name, [strip(o, ignored) for o in json_lines(os.path.join(expected_dir, name))])
    act = keyed(name, [strip(o, ignored) for o in json_lines(os.path.join(actual_dir, name))])
    out = []
    for k, e in exp.items():
        if only is not None and k not in only:
            continue
        if k not in act:
            out.append(f"{name}: {k} is gone")
            continue
        out += [f"{name}: {k}: {d}" for d in differences(e, act[k])]
    if only is None:
        out += [f"{name}: {k} is new" for k in act if k not in exp]
    return out


def compare_counts(name, expected_dir, actual_dir):
    exp = counts_file(os.path.join(expected_dir, name))
    act = counts_file(os.path.join(actual_dir, name))
    out = [f"{name}: {k}: {act.get(k, 0)}, expected {n}" for k, n in exp.items() if act.get(k, 0) != n]
    out += [f"{name}: {k}: {n}, expected none" for k, n in act.items() if k not in exp]
    return out


def compare(expected_dir, actual_dir):
    problems = compare_counts("manifest.txt", expected_dir, actual_dir)
    problems += compare_counts("entities.txt", expected_dir, actual_dir)
    for name in READ_PATHS:
        problems += compare_read_path(name, expected_dir, actual_dir)
    for p in problems:
        print(f"DIFFERS {p}")
    if problems:
        fail(f"{len(problems)} differences from {expected_dir}")
    print(f"   every recorded kind, entity and read path output matches ({len(READ_PATHS)} read paths)")


def guard(old_dir, new_dir):
    """A new recording may add; it may not take away, nor change what it says of an untouched entity."""
    problems = []
    for name in ("manifest.txt", "entities.txt"):
        old, new = counts_file(os.path.join(old_dir, name)), counts_file(os.path.join(new_dir, name))
        problems += [f"{name}: {k}: {new.get(k, 0)}, was {n}" for k, n in old.items() if new.get(k, 0) < n]
    old_counts = counts_file(os.path.join(old_dir, "entities.txt"))
    new_counts = counts_file(os.path.join(new_dir, "entities.txt"))
    for name, (key, kind) in READ_PATHS.items():
        if key is None:
            continue
        untouched = {k.split("/", 1)[1] for k, n in old_counts.items()
                     if k.startswith(kind + "/") and new_counts.get(k) == n}
        problems += compare_read_path(name, old_dir, new_dir, only=untouched)
    for p in problems:
        print(f"CHANGED {p}")
    if problems:
        fail(f"the new recording changes what was recorded before ({len(problems)} differences) about entities the new "
             "scenarios did not touch: a break, not a growth (see tests/golden/README.md)")


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "manifest":
        manifest(sys.stdin)
    elif cmd == "entities":
        entities(sys.stdin)
    elif cmd == "snapshotted":
        snapshotted(argv[2:], sys.stdin)
    elif cmd == "compare":
        compare(argv[2], argv[3])
    elif cmd == "guard":
        guard(argv[2], argv[3])
    else:
        fail(__doc__)


if __name__ == "__main__":
    main(sys.argv)
