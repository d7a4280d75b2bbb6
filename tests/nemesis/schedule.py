"""The fault schedule and the workload: a pure function of (seed, log kind,
steps, fault kinds). Nothing here reads a clock or the system, so
`run --seed N` replays the same schedule; what the daemons' threads do in
between (timing, interleavings) is not a function of the seed.

A schedule is a list of steps. Each step may start one fault, runs a batch of
workload operations while it holds, and heals it after `hold` seconds and
`span` more steps (span 0: at the end of this step). Faults that overlap
never take down what the next needs: at most one daemon of the group down
or paused at a time beside a second one in flight, at most one broker.
"""

import random

FILE_FAULTS = ("kill", "torn_tail", "pause", "disk_full")
KAFKA_FAULTS = ("kill", "pause", "leave", "broker_kill", "disk_full")
KAFKA3_FAULTS = KAFKA_FAULTS + ("leader_kill",)
DAEMONS = {"file": ("d1",), "kafka": ("d1", "d2", "d3"), "kafka3": ("d1", "d2", "d3")}
DEFAULT_FAULTS = {"file": FILE_FAULTS, "kafka": KAFKA_FAULTS, "kafka3": KAFKA3_FAULTS}

MiB = 1 << 20
KiB = 1 << 10
AGENT_HOSTS = ("host-a", "host-b", "gw-1", "gw-2")


RESTARTS = ("kill", "torn_tail", "leave")  # healed by starting a daemon: needs a broker


def _fault(rng, kind, log, busy, busy_kinds):
    """One fault of `kind`, on a target not in `busy` (None when none is free).
    A daemon that must be restarted never waits on a broker that is down."""
    daemons = [d for d in DAEMONS[log] if d not in busy]
    if kind in RESTARTS and "broker" in busy:
        return None
    if kind in ("broker_kill", "leader_kill") and any(k in RESTARTS for k in busy_kinds):
        return None
    if kind in ("kill", "torn_tail", "pause", "leave"):
        if not daemons:
            return None
        f = {"kind": kind, "target": rng.choice(daemons)}
        if kind == "pause" and log != "file":
            # Past the session timeout (6 s): the group moves on from it (the zombie case).
            f["hold"] = round(rng.uniform(8.0, 14.0), 1)
        else:
            f["hold"] = round(rng.uniform(2.0, 8.0), 1)
        if kind == "torn_tail":
            f["topic"] = rng.choice(("commands", "events.host", "events.copy_job", "rejected"))
            f["partition"] = rng.randrange(0, 2)  # FileCluster.partitions
            f["junk"] = rng.randrange(1, 3000)
        return f
    if kind in ("broker_kill", "leader_kill"):
        if "broker" in busy:
            return None
        f = {"kind": kind, "hold": round(rng.uniform(2.0, 7.0), 1)}
        if kind == "broker_kill":
            f["node"] = rng.randrange(1, 4) if log == "kafka3" else 1
        else:
            f["partition"] = rng.randrange(0, 4)  # of the commands topic: its leader, found at the time
        return f
    if kind == "disk_full":
        if "disk" in busy:
            return None
        return {"kind": kind, "hold": round(rng.uniform(3.0, 8.0), 1)}
    raise ValueError(f"unknown fault kind {kind}")


def _target_of(f):
    if f["kind"] in ("broker_kill", "leader_kill"):
        return "broker"
    if f["kind"] == "disk_full":
        return "disk"
    return f["target"]


class _Workload:
    """Generates the operations, keeping a model of what exists so that most
    of them make sense (some are refused, and that is fine: a refusal is a
    decision)."""

    def __init__(self, rng, seed, log):
        self.rng, self.seed, self.log = rng, seed, log
        self.hosts = []  # stream hosts registered
        self.jobs = []
        self.files = 0
        self.dups = 0
        self.gateways = 2

    def ops(self, n):
        out = []
        for _ in range(n):
            r = self.rng.random()
            if r < 0.30 or not self.hosts:
                k = self.rng.randrange(3, 9)
                for _ in range(k):
                    h = f"s{self.seed}-h{len(self.hosts) + 1}"
                    self.hosts.append(h)
                    out.append({"op": "host_add", "id": h})
            elif r < 0.45:
                # One host flapped: a long run of events on one entity.
                h = self.rng.choice(self.hosts)
                for j in range(self.rng.randrange(2, 9)):
                    out.append({"op": ("host_drain", "host_up")[j % 2], "id": h})
            elif r < 0.70:
                self.files += 1
                job = f"s{self.seed}-j{self.files}"
                self.jobs.append(job)
                out.append({"op": "copy", "job": job, "file": f"f{self.files}.bin",
                            "size": self.rng.randrange(1 * MiB, 5 * MiB),
                            "dst": "full" if self.rng.random() < 0.3 else "dst",
                            "host": self.rng.choice(AGENT_HOSTS + ("",)),
                            "rate": self.rng.choice((256 * KiB, 512 * KiB, 1 * MiB)),
                            "chunk": self.rng.choice((128 * KiB, 256 * KiB, 512 * KiB))})
            elif r < 0.80 and self.jobs:
                job = self.rng.choice(self.jobs[-4:])
                out.append({"op": "migrate", "job": job, "to": self.rng.choice(AGENT_HOSTS + ("auto",))})
            elif r < 0.87:
                out.append({"op": "host_drain", "id": self.rng.choice(AGENT_HOSTS), "busy": True})
                out.append({"op": "host_up", "id": self.rng.choice(AGENT_HOSTS), "busy": True})
            elif r < 0.93:
                self.dups += 1
                out.append({"op": "resend", "id": f"s{self.seed}-dup{self.dups}",
                            "copies": self.rng.choice((2, 2, 3))})
            else:
                out.append({"op": "rebalance"})
        return out


def make(seed, log, steps, faults=None):
    kinds = tuple(faults) if faults else DEFAULT_FAULTS[log]
    rng = random.Random(f"nemesis/{seed}/{log}/faults")
    wl = _Workload(random.Random(f"nemesis/{seed}/{log}/workload"), seed, log)
    plan = {"seed": seed, "log": log, "steps": []}
    active = []  # (ends after step, target, kind)
    for i in range(steps):
        active = [(end, t, k) for end, t, k in active if end >= i + 1]
        busy = {t for _, t, _ in active}
        busy_kinds = {k for _, _, k in active}
        f = None
        if rng.random() < 0.85:
            for _ in range(4):
                f = _fault(rng, rng.choice(kinds), log, busy, busy_kinds)
                if f is not None:
                    break
            if f is not None:
                # Never the whole group at once: keep one daemon up beside a fault in flight.
                daemon_busy = [t for t in busy if t.startswith("d")]
                if _target_of(f).startswith("d") and len(daemon_busy) + 1 >= len(DAEMONS[log]) > 1:
                    f = None
        if f is not None:
            f["span"] = rng.choice((0, 0, 0, 1))
            active.append((i + 1 + f["span"], _target_of(f), f["kind"]))
        ops = wl.ops(rng.randrange(3, 7))
        # The fault lands in the middle of the stream: the daemons are still
        # deciding what came before it (--no-wait) when it strikes.
        plan["steps"].append({"step": i + 1, "fault": f, "fault_after": rng.randrange(0, len(ops) + 1), "ops": ops})
    return plan


def describe(plan):
    lines = []
    for s in plan["steps"]:
        f = s["fault"]
        if f is None:
            fs = "no fault"
        else:
            extra = {k: v for k, v in f.items() if k not in ("kind",)}
            fs = f["kind"] + " " + " ".join(f"{k}={v}" for k, v in extra.items()) + f" after op {s['fault_after']}"
        ops = {}
        for o in s["ops"]:
            ops[o["op"]] = ops.get(o["op"], 0) + 1
        lines.append(f"  step {s['step']}: {fs}; ops " + ", ".join(f"{k}x{v}" for k, v in ops.items()))
    return "\n".join(lines)
