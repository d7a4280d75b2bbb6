"""The workload, through the storemesh CLI as an operator drives it, and a
record of what was submitted. A call that fails during a fault (a broker
down) is retried after the heal with the same meaning (a new command id: the
CLI makes one per call) and the record says so."""

import json
import os
import random
import time

import rawlog
from cluster import murmur2_partition

# What each operation puts in the commands topic: (entity kind, payload member).
EXPECTS = {"host_add": ("host", "register"), "host_drain": ("host", "setState"), "host_up": ("host", "setState"),
           "copy": ("copy_job", "submit"), "migrate": ("copy_job", "migrate"), "resend": ("host", "register")}


class Workload:
    def __init__(self, cluster, seed, ds_root):
        self.cluster, self.seed, self.ds = cluster, seed, ds_root
        self.record = []   # every operation: what, attempts, outcome
        self.pending = []  # failed during a fault: retried after the heal
        self.jobs = {}     # job id -> (source path, destination path)

    def path(self, name):
        return os.path.join(self.ds, name)

    def setup(self, between_tries=lambda: None):
        """The fixed part: two agent hosts and two gateways, all mounting every
        datastore. between_tries: called before a retry (restarts a daemon that stopped)."""
        self.between_tries = between_tries
        stores = ["--datastore", f"src={self.path('src')}", "--datastore", f"dst={self.path('dst')}",
                  "--datastore", f"full={self.path('full')}"]
        for h in ("host-a", "host-b"):
            self._must("host", "add", h, *stores)
        for g in ("gw-1", "gw-2"):
            self._must("gateway", "add", g, "--site", "primary", *stores)

    def _must(self, *args):
        for attempt in range(5):
            rc, out, err = self.cluster.cli(*args, "--timeout", "90", timeout=120)
            if rc == 0:
                return out
            if attempt > 0 and "already_registered" in err:
                return out  # an earlier try timed out waiting, yet was decided
            if "rejected" in err:
                raise RuntimeError(f"{' '.join(args)}: {err.strip()}")
            time.sleep(2)
            self.between_tries()
        raise RuntimeError(f"{' '.join(args)} failed 5 times: {err.strip()[-500:]}")

    def args_of(self, o):
        nw = ["--no-wait", "--timeout", "20"]
        k = o["op"]
        if k == "host_add":
            return ["host", "add", o["id"], "--datastore", f"src={self.path('src')}"] + nw
        if k in ("host_drain", "host_up"):
            return ["host", k[5:], o["id"], "--reason", "nemesis"] + nw
        if k == "copy":
            a = ["copy", "submit", "--id", o["job"], "--src", f"src:{o['file']}", "--dst", f"{o['dst']}:{o['job']}.bin",
                 "--chunk-size", str(o["chunk"]), "--max-rate", str(o["rate"])]
            if o["host"]:
                a += ["--host", o["host"]]
            return a + nw
        if k == "migrate":
            return ["copy", "migrate", o["job"]] + (["--auto"] if o["to"] == "auto" else ["--to", o["to"]]) + \
                ["--reason", "nemesis"] + nw
        if k == "rebalance":
            return ["rebalance", "--site", "primary"] + nw
        raise ValueError(k)

    def prepare(self, o):
        if o["op"] == "copy":
            src = self.path(os.path.join("src", o["file"]))
            if not os.path.exists(src):
                data = random.Random(f"nemesis/{self.seed}/{o['file']}").randbytes(o["size"])
                with open(src + ".tmp", "wb") as f:
                    f.write(data)
                os.rename(src + ".tmp", src)
            self.jobs[o["job"]] = (src, self.path(os.path.join(o["dst"], o["job"] + ".bin")))

    def _entry(self, o, step):
        entry = o.get("_entry")
        if entry is None:
            entry = {"step": step, "op": o, "attempts": 0, "ok": False, "retried_after_heal": False}
            o["_entry"] = entry
            self.record.append(entry)
            self.prepare(o)
        return entry

    def defer(self, o, step):
        """Not tried now (the fault makes the CLI fail, as the op before it
        did): sent after the heal."""
        self._entry(o, step)["deferred"] = True
        self.pending.append(o)

    def run(self, o, step, retry=False):
        entry = self._entry(o, step)
        entry["attempts"] += 1
        entry["retried_after_heal"] |= retry
        if o["op"] == "resend":
            ok, err = self.resend(o)
        else:
            rc, _, err = self.cluster.cli(*self.args_of(o), timeout=30)
            ok = rc == 0
        entry["ok"] = ok
        if not ok:
            entry["error"] = err.strip().splitlines()[-1][-300:] if err.strip() else "no message"
            if not retry:
                self.pending.append(o)
        return ok

    def retry_pending(self, step, attempts=6):
        todo, self.pending = self.pending, []
        for o in todo:
            for i in range(attempts):
                if self.run(o, step, retry=True):
                    break
                time.sleep(min(2 + 2 * i, 10))

    def resend(self, o):
        """One signed registration, its record appended `copies` times: the
        same command id on every copy."""
        c = self.cluster
        out = os.path.join(c.work, f"{o['id']}.cmd")
        if not os.path.exists(out):
            payload = json.dumps({"hostCommand": {"register": [{"name": "src", "path": self.path("src")}]}})
            rc, _, err = c.cli("command", "encode", "--kind", "host", "--id", o["id"], "--payload", payload,
                               "--out", out)
            if rc != 0:
                return False, err
        with open(out, "rb") as f:
            value = f.read()
        done = o.setdefault("_sent", 0)
        try:
            for _ in range(done, o["copies"]):
                if c.kind == "file":
                    rawlog.file_append(c.log_root, c.prefix + ".commands", murmur2_partition(o["id"], c.partitions),
                                       o["id"].encode(), value, time.time_ns())
                else:
                    rawlog.kafka_produce(c.bootstrap, c.prefix + ".commands", o["id"].encode(), value, out + ".tmp")
                o["_sent"] += 1
        except Exception as e:  # noqa: BLE001 - a broker down: retried after the heal
            return False, str(e)
        return True, ""

    def acknowledged(self):
        """Counts of (kind, entity, member) the CLI said it appended."""
        want = {}
        for e in self.record:
            o = e["op"]
            if not e["ok"] or o["op"] not in EXPECTS:
                continue
            kind, member = EXPECTS[o["op"]]
            key = (kind, o.get("id") or o.get("job"), member)
            want[key] = want.get(key, 0) + (1 if o["op"] != "resend" else 0)
        return want

    def summary(self):
        s = {"ops": len(self.record), "failed_then_retried": sum(1 for e in self.record if e["retried_after_heal"]),
             "deferred": sum(1 for e in self.record if e.get("deferred")),
             "never_appended": sum(1 for e in self.record if not e["ok"])}
        return s
