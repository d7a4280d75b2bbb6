"""The system under test: storemesh daemons (and, on Kafka, a broker cluster of
the harness's own), started, signalled and restarted by pid.

FileCluster: one daemon on the embedded log (a FileLog serves one process).
KafkaCluster: three daemons of one consumer group, as tests/kafka/scale_out.sh
runs them: keys made up front so each trusts the others, host-a's agent on
d1, host-b's on d2, none on d3.
"""

import ctypes
import os
import re
import signal
import subprocess
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
KAFKA = os.path.join(ROOT, "ops", "kafka")

OWNERSHIP = re.compile(r"group \S+: (assigned|gives up|lost) partitions \[([^\]]*)\] of \S+\.commands")


def _die_with_parent():
    """preexec: the daemon gets SIGKILL when the harness dies (killed by a
    test timeout, say), so no daemon outlives a run."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def murmur2_partition(key, partitions):
    """Kafka's default partitioner (murmur2), where storemesh puts a key."""
    data = key.encode()
    m, r = 0x5BD1E995, 24
    h = (0x9747B28C ^ len(data)) & 0xFFFFFFFF
    n4 = len(data) // 4
    for i in range(n4):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    tail = data[4 * n4:]
    if len(tail) == 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if len(tail) >= 1:
        h ^= tail[0]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return (h & 0x7FFFFFFF) % partitions


class Daemon:
    """One `storemesh serve`; each start (incarnation) logs to its own file."""

    def __init__(self, cluster, name, extra):
        self.cluster, self.name, self.extra = cluster, name, extra
        self.data = os.path.join(cluster.work, name)
        self.proc = None
        self.incarnation = -1
        self.paused = False
        self.down_by_fault = False  # killed or stopped by the schedule: not to be restarted before its heal
        self.exits = []  # (incarnation, return code) of exits the harness did not cause

    def log_path(self, n=None):
        return os.path.join(self.cluster.work, f"{self.name}.{self.incarnation if n is None else n}.log")

    def start(self):
        self.incarnation += 1
        log = open(self.log_path(), "ab")
        args = [self.cluster.storemesh, "serve", "--data", self.data] + self.cluster.serve_args() + self.extra
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env=self.cluster.env, cwd=self.cluster.work, start_new_session=True,
                                     preexec_fn=_die_with_parent)
        log.close()
        self.paused = False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        if self.alive():
            os.kill(self.proc.pid, sig)

    def kill(self):
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait()
        self.paused = False

    def pause(self):
        self.signal(signal.SIGSTOP)
        self.paused = True

    def resume(self):
        self.signal(signal.SIGCONT)
        self.paused = False

    def terminate(self, timeout=60):
        """SIGTERM: the daemon leaves cleanly; SIGKILL if it has not after `timeout`."""
        if not self.alive():
            return None
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return "killed after SIGTERM timed out"

    def note_exit(self):
        """Records an exit the harness did not cause (e.g. a fenced producer stops)."""
        if self.proc is not None and self.proc.poll() is not None and not any(
                i == self.incarnation for i, _ in self.exits):
            self.exits.append((self.incarnation, self.proc.returncode))
            return True
        return False

    def log_text(self, n=None):
        try:
            with open(self.log_path(n), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def serving(self):
        return "serving " in self.log_text()

    def owned(self):
        """Command partitions this incarnation owns, from its group log lines."""
        owned = set()
        for m in OWNERSHIP.finditer(self.log_text()):
            if m.group(2) in ("", "none"):
                continue
            ids = {int(x) for x in m.group(2).split(",")}
            owned = owned | ids if m.group(1) == "assigned" else owned - ids
        return owned

    def key_pub(self):
        return os.path.join(self.data, "state", "daemon.key.pub")


class Cluster:
    kind = None

    def __init__(self, storemesh, work, prefix):
        self.storemesh, self.work, self.prefix = storemesh, work, prefix
        self.daemons = {}
        self.env = dict(os.environ)
        self.env["STOREMESH_KEY"] = os.path.join(work, "op.key")
        self.env.pop("STOREMESH_KAFKA", None)
        self.env.pop("STOREMESH_GROUP", None)

    def cli(self, *args, timeout=60):
        """Runs the storemesh CLI; (exit code, stdout, stderr); 124 on a timeout."""
        try:
            r = subprocess.run([self.storemesh] + list(args), capture_output=True, timeout=timeout,
                               env=self.env, cwd=self.work, stdin=subprocess.DEVNULL)
            return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
        except subprocess.TimeoutExpired:
            return 124, "", f"timed out after {timeout} s"

    def keygen(self, path):
        rc, out, err = self.cli("keygen", "--out", path)
        if rc != 0:
            raise RuntimeError(f"keygen {path}: {err}")

    def wait_serving(self, d, bound=120):
        deadline = time.monotonic() + bound
        while not d.serving():
            if not d.alive():
                raise RuntimeError(f"{d.name} exited at start: {d.log_text()[-1500:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{d.name} did not start within {bound} s")
            time.sleep(0.1)

    def trust_args(self):
        out = ["--trust", os.path.join(self.work, "op.key.pub")]
        for d in self.daemons.values():
            out += ["--trust", d.key_pub()]
        return out

    def audit(self):
        args = ["audit", "--trust", os.path.join(self.work, "op.key.pub")]
        for d in self.daemons.values():
            args += ["--trust-daemon", d.key_pub()]
        return self.cli(*args, timeout=600)

    def daemon_keys(self):
        """{public key bytes: daemon name}."""
        out = {}
        for d in self.daemons.values():
            with open(d.key_pub()) as f:
                out[bytes.fromhex(f.read().strip())] = d.name
        return out

    def stop(self):
        for d in self.daemons.values():
            d.kill()


class FileCluster(Cluster):
    kind = "file"
    partitions = 2

    def __init__(self, storemesh, work, prefix):
        super().__init__(storemesh, work, prefix)
        self.env["STOREMESH_DATA"] = os.path.join(work, "d1")
        self.env["STOREMESH_TOPIC_PREFIX"] = prefix
        self.log_root = os.path.join(work, "d1", "log")

    def serve_args(self):
        return self.trust_args() + ["--partitions", str(self.partitions)]

    def start(self):
        self.keygen(os.path.join(self.work, "op.key"))
        d = Daemon(self, "d1", [])
        os.makedirs(os.path.join(d.data, "state"), exist_ok=True)
        self.keygen(os.path.join(d.data, "state", "daemon.key"))
        self.daemons["d1"] = d
        d.start()
        self.wait_serving(d)

    def members_converged(self):
        d = self.daemons["d1"]
        return d.alive() and d.serving()

    def owners(self):
        return {"d1": set(range(self.partitions))}


class KafkaCluster(Cluster):
    kind = "kafka"
    partitions = 4
    session_timeout = 6
    transaction_timeout = 10

    def __init__(self, storemesh, work, prefix, nodes=1):
        super().__init__(storemesh, work, prefix)
        self.nodes = nodes
        self.kdir = os.path.join(work, "kafka")
        self.bootstrap = None
        self.group = prefix + ".daemons"
        self.env["STOREMESH_TOPIC_PREFIX"] = prefix
        self.env["STOREMESH_DATA"] = os.path.join(work, "cli")
        self.down_nodes = set()

    def serve_args(self):
        args = self.trust_args() + ["--group", self.group, "--partitions", str(self.partitions),
                                    "--session-timeout", str(self.session_timeout),
                                    "--transaction-timeout", str(self.transaction_timeout)]
        if self.nodes == 3:
            args += ["--replication-factor", "3"]
        return args

    def kafka(self, *args, timeout=300):
        env = dict(self.env)
        # A killed broker's partitions move after broker.session.timeout.ms
        # (default 9 s): 3 s, as tests/kafka/three_brokers.sh does.
        env["STOREMESH_KAFKA_PROPS"] = "broker.session.timeout.ms=3000 broker.heartbeat.interval.ms=500"
        r = subprocess.run([KAFKA] + list(args) + ["--dir", self.kdir], capture_output=True, timeout=timeout,
                           env=env, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise RuntimeError(f"ops/kafka {' '.join(args)}: {r.stderr.decode(errors='replace')[-1500:]}")
        return r.stdout.decode()

    def start(self):
        out = self.kafka("start", "--nodes", str(self.nodes))
        self.bootstrap = out.strip().splitlines()[-1]
        self.env["STOREMESH_KAFKA"] = self.bootstrap
        os.makedirs(os.path.join(self.work, "cli"), exist_ok=True)
        self.keygen(os.path.join(self.work, "op.key"))
        for name, extra in (("d3", ["--no-agents"]), ("d1", ["--agent", "host-a", "--agent", "gw-1"]),
                            ("d2", ["--agent", "host-b", "--agent", "gw-2"])):
            d = Daemon(self, name, extra)
            os.makedirs(os.path.join(d.data, "state"), exist_ok=True)
            self.keygen(os.path.join(d.data, "state", "daemon.key"))
            self.daemons[name] = d
        # d3 first: the topics get created once, and it owns partitions from the start.
        d3 = self.daemons["d3"]
        d3.start()
        self.wait_serving(d3)
        deadline = time.monotonic() + 120
        while not d3.owned():
            if time.monotonic() > deadline:
                raise RuntimeError("d3 owns no partition 120 s after it started")
            time.sleep(0.2)
        for name in ("d1", "d2"):
            self.daemons[name].start()
        for name in ("d1", "d2"):
            self.wait_serving(self.daemons[name])

    def owners(self):
        return {n: d.owned() for n, d in self.daemons.items() if d.alive() and not d.paused}

    def members_converged(self):
        """Every daemon alive, owns partitions, and every partition has exactly one owner."""
        owners = self.owners()
        if len(owners) != len(self.daemons) or any(not o for o in owners.values()):
            return False
        all_ = sorted(p for o in owners.values() for p in o)
        return all_ == list(range(self.partitions))

    def kill_node(self, n):
        self.kafka("kill-node", str(n))
        self.down_nodes.add(n)

    def start_node(self, n):
        self.kafka("start-node", str(n))
        self.down_nodes.discard(n)

    def stop(self):
        super().stop()
        try:
            self.kafka("stop", timeout=120)
        except Exception as e:  # noqa: BLE001 - teardown goes on
            print(f"   (stopping the broker: {e})")
