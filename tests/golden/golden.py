"""What golden_log.sh computes from the CLI's output and compares with tests/golden/expected/.

  golden.py manifest  < records.jsonl    every kind of record and how many: `<kind> <count>` lines
  golden.py entities  < records.jsonl    every entity and its number of events: `<kind>/<id> <count>` lines
  golden.py snapshotted KIND/ID... < records.jsonl   exits 1 unless each entity has a snapshot in the log
  golden.py compare EXPECTED_DIR ACTUAL_DIR           (c): the read paths' outputs, the manifest, the counts
  golden.py guard OLD_DIR NEW_DIR                     refuses a re-recording that changes what was recorded
                                                      about an entity the new scenarios did not touch
  golden.py coverage SCHEMA_DIR MANIFEST              exits 1 unless every union member of every schema
                                                      (schemas/*.capnp) is in the manifest, or in NEVER_LOGGED

records.jsonl is `storemesh events tail --json` over every topic.
"""
import json
import os
import re
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
    if payload in PLAIN_PAYLOADS:  # a plain struct (controlHostEvent): no union inside, the payload names it
        return payload
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


# -- coverage: every union member of every schema is in the log ------------------------------------------------------
#
# The schemas only grow; the golden log must grow with them, or a member added since it was last grown is never
# replayed from an old log. The members are read from schemas/*.capnp, so a new one fails this check until a
# scenario writes it.

# Union members that by design never appear in a log, each with why. One that does appear, or that is no longer
# in the schemas, fails the check too: the list must not hide anything.
NEVER_LOGGED = {
    "Envelope.payload.unknown": "what a reader calls a payload member it does not know (a newer writer's); no "
                                "writer ever writes it",
    "delivery.capnp ContentCommand.unknown": "a placeholder (a Cap'n Proto union has at least two members; a content "
                                             "has one command); no writer ever writes it",
    "delivery.capnp ContentEvent.unknown": "a placeholder (a Cap'n Proto union has at least two members; a content "
                                           "has one event); no writer ever writes it",
}
# Payload members whose type is a plain struct, not a union: the record is named by the member alone
# (controlHostEvent, not controlHostEvent.<member>). A control host has one command and one event (its interceptor
# attached); storage.capnp says a second would become a union beside these fields. coverage fails if a payload
# member named *Command or *Event is a plain struct missing here, or if one listed here is not one.
PLAIN_PAYLOADS = {"controlHostCommand", "controlHostEvent"}
# Unions the manifest does not name, each with why (their members are not checked). Any other union of the
# schemas that the Envelope's payload does not lead to fails the check: no log could hold its members.
NOT_IN_MANIFEST = {
    "envelope.capnp Envelope.integrity": "follows from the payload (commands signed, events linked, snapshots "
                                         "none); `storemesh audit`, check (a), verifies every record's",
    "kv.capnp Expected": "a write's optional compare (any / modRevision) inside kvCommand.put and .delete, not a "
                         "kind of record",
    # What travels in a tunnel (coordination.capnp says it is never written to the log): the log holds the kv and
    # cluster commands and events these messages lead to (a Request's write is a kvCommand), which are checked.
    "coordination.capnp PeerMessage": "a tunnel message (hello, heartbeat, request, response, watch event) between "
                                      "a peer or client and the director; never in the log",
    "coordination.capnp Request": "what a request through the director asks (get, range, write, watch ...): a "
                                  "tunnel message; a write reaches the log as the kvCommand it holds",
    "coordination.capnp Response": "a request's answer (ok or error) in a tunnel; never in the log (a refused write's "
                                   "rejection is)",
}
ADD_A_SCENARIO = ("every mechanism adds its events to the golden log: write tests/golden/scenarios/NN_<mechanism>.sh "
                  "that makes them happen and append it with tests/golden/generate.sh (tests/golden/README.md, "
                  "\"Adding a mechanism's events\"); a member no log can ever hold goes to NEVER_LOGGED in "
                  "tests/golden/golden.py, with why")


def capnp_tokens(text):
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)  # strings first: a '#' or brace in one is not syntax
    text = re.sub(r"#[^\n]*", "", text)
    return re.findall(r"@?[A-Za-z_][A-Za-z0-9_]*|@\d+|[{}();:=.,\[\]]|\S", text)


def capnp_unions(path):
    """The unions of one schema file: {'Struct.union' or 'Struct' (its anonymous union): {member: type}}, where
    type is the member's type as written ('Host.Event', 'Void', ...) or ':group'/':union'. Structs nested in
    structs are named by their own name only (the schemas have none today)."""
    toks = capnp_tokens(open(path).read())
    unions, stack = {}, []  # stack: (kind, name) per open brace; kind struct|union|group|enum|other
    i = 0
    while i < len(toks):
        t = toks[i]
        if t == "}":
            stack.pop()
            i += 1
            continue
        in_union = stack and stack[-1][0] == "union"
        if t in ("struct", "enum", "interface") and i + 2 < len(toks) and toks[i + 2] == "{":
            stack.append((t, toks[i + 1]))
            i += 3
            continue
        if t == "union" and toks[i + 1:i + 2] == ["{"]:  # a struct's anonymous union
            name = stack[-1][1]
            stack.append(("union", name))
            unions.setdefault(name, {})
            i += 2
            continue
        if re.fullmatch(r"[A-Za-z_]\w*", t) and toks[i + 1:i + 3] in ([":", "group"], [":", "union"]) \
                and toks[i + 3:i + 4] == ["{"]:
            kind = toks[i + 2]
            if in_union:
                unions[stack[-1][1]][t] = ":" + kind
            if kind == "union":
                name = f"{stack[-1][1]}.{t}"
                unions.setdefault(name, {})
                stack.append(("union", name))
            else:
                stack.append(("group", t))
            i += 4
            continue
        if in_union and re.fullmatch(r"[A-Za-z_]\w*", t) and re.fullmatch(r"@\d+", "".join(toks[i + 1:i + 2])):
            j = i + 3  # name @N : Type ... ;
            typ = []
            while toks[j] not in (";", "="):
                typ.append(toks[j])
                j += 1
            unions[stack[-1][1]][t] = "".join(typ)
            i = j
            continue
        if t == "{":
            stack.append(("other", ""))
        i += 1
    if stack:
        fail(f"{path}: unbalanced braces (golden.py could not read it)")
    return unions


def schema_kinds(schema_dir):
    """Every record kind the schemas allow, named as manifest() names them; and every union nobody names."""
    files = sorted(f for f in os.listdir(schema_dir) if f.endswith(".capnp"))
    unions = {f: capnp_unions(os.path.join(schema_dir, f)) for f in files}
    imports = {}  # alias -> file, from envelope.capnp's `using Host = import "host.capnp";`
    env_text = open(os.path.join(schema_dir, "envelope.capnp")).read()
    for alias, f in re.findall(r'using\s+(\w+)\s*=\s*import\s+"([^"]+)"', env_text):
        imports[alias] = f.lstrip("/")
    payload = unions["envelope.capnp"].get("Envelope.payload")
    if not payload:
        fail(f"{schema_dir}/envelope.capnp: no Envelope.payload union (golden.py could not read it)")
    wanted = {}  # manifest kind, or 'prefix*' -> the union member it stands for
    reached = {("envelope.capnp", "Envelope.payload")}
    for member, typ in payload.items():
        where = f"Envelope.payload.{member}"
        if typ == "Void":
            wanted[member] = where
            continue
        alias, _, struct = typ.partition(".")
        inner = unions.get(imports.get(alias, ""), {}).get(struct)
        if inner is not None:  # hostEvent: Host.Event, whose anonymous union names the record
            reached.add((imports[alias], struct))
            for m in inner:
                wanted[f"{member}.{m}"] = f"{imports[alias]} {struct}.{m}"
            if member.endswith("Event"):  # and every kind with events has snapshots of its state
                kind = re.sub(r"(?<!^)([A-Z])", r"_\1", member[:-len("Event")]).lower()
                wanted[f"snapshot:{kind}"] = f"a snapshot of a {kind} (its State)"
        else:  # rejection:<code>, seal, snapshot:<kind>, a plain struct (controlHostEvent): at least one
            wanted[f"{member}*"] = where
            if member in PLAIN_PAYLOADS and member.endswith("Event"):  # its kind has snapshots too
                kind = re.sub(r"(?<!^)([A-Z])", r"_\1", member[:-len("Event")]).lower()
                wanted[f"snapshot:{kind}"] = f"a snapshot of a {kind} (its State)"
    unread = [f"{f} {u}" for f in files for u in unions[f]
              if (f, u) not in reached and f"{f} {u}" not in NOT_IN_MANIFEST]
    plain = {m for m, typ in payload.items() if typ != "Void" and (m.endswith("Command") or m.endswith("Event"))
             and unions.get(imports.get(typ.partition(".")[0], ""), {}).get(typ.partition(".")[2]) is None}
    unread += [f"Envelope.payload.{m}, a plain struct: list it in PLAIN_PAYLOADS" for m in sorted(plain - PLAIN_PAYLOADS)]
    unread += [f"Envelope.payload.{m}: PLAIN_PAYLOADS lists it, but it is not a plain struct of the payload"
               for m in sorted(PLAIN_PAYLOADS - plain)]
    return wanted, unread


def coverage(schema_dir, manifest_path):
    kinds = set(counts_file(manifest_path))
    wanted, unread = schema_kinds(schema_dir)
    def present(k):
        if k.endswith("*"):
            return any(x == k[:-1] or x.startswith(k[:-1] + ":") for x in kinds)
        return k in kinds
    problems = [f"a union golden.py does not know how a log names: {u} (teach schema_kinds, or list it in "
                "NOT_IN_MANIFEST with why)" for u in unread]
    exempt = {k for k, where in wanted.items() if where in NEVER_LOGGED}
    missing = [f"{k.rstrip('*')} ({wanted[k]})" for k in sorted(wanted) if k not in exempt and not present(k)]
    if missing:
        problems.append(f"no record of the golden log holds {len(missing)} union member(s): {', '.join(missing)}; "
                        + ADD_A_SCENARIO)
    problems += [f"NEVER_LOGGED lists {w}, which the schemas no longer have" for w in NEVER_LOGGED
                 if w not in wanted.values()]
    problems += [f"NEVER_LOGGED lists {wanted[k]}, but the golden log holds it: take it off the list"
                 for k in sorted(exempt) if present(k)]
    for p in problems:
        print(f"MISSING {p}")
    if problems:
        fail("the golden log does not hold every kind of record the schemas allow (above)")
    print(f"   every union member of every schema is in the log ({len(wanted) - len(exempt)} kinds; "
          f"by design never: {', '.join(sorted(NEVER_LOGGED))})")


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
    elif cmd == "coverage":
        coverage(argv[2], argv[3])
    else:
        fail(__doc__)


if __name__ == "__main__":
    main(sys.argv)
