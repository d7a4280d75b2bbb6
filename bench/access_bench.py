#!/usr/bin/env python3
"""The measuring half of bench/access_bench.sh (which starts the daemon, clamd and the access server and opens the
sessions). Puts and gets through an access server in unscanned and scanned sessions, beside cp and a raw clamd
INSTREAM of the same kind of bytes, all in this one run; prints the table.

Every file holds fresh random bytes, and every row gets its own files, so that neither clamd's own clean-file cache
nor the server's verdict cache can answer a row that is meant to scan (the one cache row is meant to hit it). Each
row's access records are checked: a row only counts when every verdict is the one it is meant to measure.
"""
import argparse
import http.client
import json
import os
import queue
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time

MiB = 1 << 20


def parse_files(spec):  # "64K:64,1M:32,16M:4" -> [(bytes, count)]
    out = []
    for part in spec.split(","):
        size, count = part.split(":")
        mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(size[-1].upper(), 1)
        out.append((int(size.rstrip("KkMmGg")) * mult, int(count)))
    return out


def make_set(root, name, sizes):
    """Files of fresh random bytes: [(local path, relative name, size)]."""
    d = os.path.join(root, "src", name)
    os.makedirs(d)
    files = []
    for size, count in sizes:
        for i in range(count):
            rel = f"{size}-{i:03d}.bin"
            p = os.path.join(d, rel)
            with open(p, "wb") as f:
                left = size
                while left:
                    n = min(left, 4 * MiB)
                    f.write(os.urandom(n))
                    left -= n
            files.append((p, rel, size))
    # Largest first, so that c workers taking from one queue finish together.
    files.sort(key=lambda x: -x[2])
    return files


def run_parallel(items, clients, work):
    """work(worker_index, item) for every item, by `clients` threads taking from one queue; seconds elapsed."""
    q = queue.Queue()
    for it in items:
        q.put(it)
    errors = []

    def loop(i):
        try:
            while True:
                try:
                    it = q.get_nowait()
                except queue.Empty:
                    return
                work(i, it)
        except Exception as e:  # noqa: BLE001 -- reported below, the row fails
            errors.append(e)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise errors[0]
    return elapsed


# -- references ---------------------------------------------------------------------------------------------------
def ref_cp(files, dst, clients, sync):
    """cp of the files into dst (same file system), `clients` cp processes over shares of the list; with sync: then
    `sync --data` of each copy (fdatasync, what the access server does before its rename)."""
    os.makedirs(dst)
    shares = [files[i::clients] for i in range(clients)]
    t0 = time.perf_counter()
    procs = []
    for share in shares:
        if not share:
            continue
        cmd = ["cp", *[f[0] for f in share], dst]
        if sync:
            cmd = ["sh", "-c", 'd=$1; shift; cp "$@" "$d" && for f in "$@"; do echo "$d/${f##*/}"; done |'
                   ' xargs sync --data', "sh", dst, *[f[0] for f in share]]
        procs.append(subprocess.Popen(cmd))
    for p in procs:
        if p.wait() != 0:
            raise RuntimeError("cp failed")
    return time.perf_counter() - t0


def clamd_instream(sock_path, path, chunk=256 * 1024):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    try:
        s.sendall(b"zINSTREAM\0")
        with open(path, "rb") as f:
            while True:
                b = f.read(chunk)
                if not b:
                    break
                s.sendall(struct.pack("!I", len(b)) + b)
        s.sendall(struct.pack("!I", 0))
        reply = b""
        while not reply.endswith(b"\0"):
            r = s.recv(4096)
            if not r:
                break
            reply += r
    finally:
        s.close()
    reply = reply.rstrip(b"\0").decode()
    if not reply.endswith("OK"):
        raise RuntimeError(f"clamd: {reply}")


# -- the access server ------------------------------------------------------------------------------------------------
class Client:
    """One keep-alive HTTP connection to the access server, as one client in one session."""

    def __init__(self, host, port, session):
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=300, blocksize=MiB)
        self.session = session

    def _send(self, send):
        """The server closes a keep-alive connection idle for its idle timeout (30 s; rows apart on a loaded
        machine): a request that met a closed connection got no answer, so it is sent again on a new one."""
        try:
            return send()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=300, blocksize=MiB)
            return send()

    def put(self, local, remote, size):
        def send():
            with open(local, "rb") as f:
                self.conn.request("PUT", "/v1/files/" + remote, body=f,
                                  headers={"X-Storemesh-Session": self.session, "Content-Length": str(size)})
                r = self.conn.getresponse()
                return r, r.read()
        r, body = self._send(send)
        if r.status != 201:
            raise RuntimeError(f"put {remote}: {r.status} {body[:300]!r}")
        return json.loads(body)

    def get(self, remote, local):
        def send():
            self.conn.request("GET", "/v1/files/" + remote, headers={"X-Storemesh-Session": self.session})
            return self.conn.getresponse()
        r = self._send(send)
        if r.status != 200:
            raise RuntimeError(f"get {remote}: {r.status} {r.read()[:300]!r}")
        buf = bytearray(MiB)
        mv = memoryview(buf)
        with open(local, "wb") as f:
            while True:
                n = r.readinto(mv)
                if not n:
                    break
                f.write(mv[:n])
        return json.loads(r.getheader("X-Storemesh-Access"))


class Bench:
    def __init__(self, a):
        self.a = a
        host, port = a.at.rsplit(":", 1)
        self.host, self.port = host, int(port)
        self.sessions = json.load(open(a.sessions))
        self.sizes = parse_files(a.files)
        self.rows = []  # dicts
        self.refs = {}  # (name, clients) -> (MB/s, files/s)
        self.nset = 0
        self.tiny_times = {}  # path in the share -> (client sent ns, client got the reply ns), wall clock
        self.per_file = {}  # (clients, op, kind) -> {size: [seconds of each file]}

    def fresh(self, name):
        self.nset += 1
        return make_set(self.a.work, f"{self.nset:02d}-{name}", self.sizes)

    def row(self, client, clients, op, kind, files, seconds, records, expect):
        total = sum(f[2] for f in files)
        bad = [r for r in records if not expect(r)]
        self.rows.append(dict(client=client, clients=clients, op=op, kind=kind, mbps=total / seconds / 1e6,
                              fps=len(files) / seconds, bad=len(bad), n=len(records), seconds=seconds))
        if bad:
            print(f"   !! {client} {op} {kind} x{clients}: {len(bad)} records not as meant, e.g. {bad[0]}",
                  file=sys.stderr)

    # -- through HTTP, one keep-alive connection per client --------------------------------------------------------
    def http_rows(self, clients):
        U, S = self.fresh("u"), self.fresh("s")
        tag = f"http{clients}"
        cs = {k: [Client(self.host, self.port, sid) for sid in self.sessions[k][:clients]]
              for k in ("unscanned", "scanned")}
        recs = []

        def put(kind, dirname):
            def w(i, f):
                recs.append(cs[kind][i].put(f[0], f"docs/{tag}/{dirname}/{f[1]}", f[2]))
            return w

        def get(kind, dirname, out):
            os.makedirs(out, exist_ok=True)

            def w(i, f):
                recs.append(cs[kind][i].get(f"docs/{tag}/{dirname}/{f[1]}", os.path.join(out, f[1])))
            return w

        out = os.path.join(self.a.work, "out", tag)
        plans = [
            ("put", "unscanned", U, put("unscanned", "u"), lambda r: r["verdict"] == "not_scanned"),
            ("put", "scanned", S, put("scanned", "s"), lambda r: r["verdict"] == "clean" and not r["cached"]),
            ("get", "unscanned", U, get("unscanned", "u", out + "/gu"), lambda r: r["verdict"] == "not_scanned"),
            # U's bytes were never scanned: every get is a clamd scan.
            ("get", "scanned", U, get("scanned", "u", out + "/gs"), lambda r: r["verdict"] == "clean" and not r["cached"]),
            # S's bytes were scanned by their put under this database: every get is a verdict cache hit.
            ("get", "scanned, cached", S, get("scanned", "s", out + "/gc"), lambda r: r["verdict"] == "clean" and r["cached"]),
        ]
        for op, kind, files, work, expect in plans:
            recs.clear()
            per = self.per_file.setdefault((clients, op, kind), {})

            def timed(i, f, work=work, per=per):
                t = time.perf_counter()
                work(i, f)
                per.setdefault(f[2], []).append(time.perf_counter() - t)
            secs = run_parallel(files, clients, timed)
            self.row("http", clients, op, kind, files, secs, list(recs), expect)
        shutil.rmtree(out)

    # -- through the CLI, one `storemesh put/get` process per file ---------------------------------------------------
    def cli_rows(self, clients):
        U, S = self.fresh("cu"), self.fresh("cs")
        tag = f"cli{clients}"
        out = os.path.join(self.a.work, "out", tag)
        recs = []
        lock = threading.Lock()

        def call(args):
            p = subprocess.run([self.a.storemesh, *args, "--at", self.a.at, "--json"], capture_output=True, text=True,
                               timeout=300)
            if p.returncode != 0:
                raise RuntimeError(f"storemesh {' '.join(args)}: {p.stderr.strip()[:300]}")
            with lock:
                recs.append(json.loads(p.stdout))

        def put(kind, dirname):
            return lambda i, f: call(["put", "--session", self.sessions[kind][i], "--no-sha", f[0],
                                      f"docs/{tag}/{dirname}/{f[1]}"])

        def get(kind, dirname, to):
            os.makedirs(to, exist_ok=True)
            return lambda i, f: call(["get", "--session", self.sessions[kind][i], f"docs/{tag}/{dirname}/{f[1]}",
                                      os.path.join(to, f[1])])

        plans = [
            ("put", "unscanned", U, put("unscanned", "u"), lambda r: r["verdict"] == "not_scanned"),
            ("put", "scanned", S, put("scanned", "s"), lambda r: r["verdict"] == "clean" and not r["cached"]),
            ("get", "unscanned", U, get("unscanned", "u", out + "/gu"), lambda r: r["verdict"] == "not_scanned"),
            ("get", "scanned", U, get("scanned", "u", out + "/gs"), lambda r: r["verdict"] == "clean" and not r["cached"]),
            ("get", "scanned, cached", S, get("scanned", "s", out + "/gc"), lambda r: r["verdict"] == "clean" and r["cached"]),
        ]
        for op, kind, files, work, expect in plans:
            recs.clear()
            secs = run_parallel(files, clients, work)
            self.row("cli", clients, op, kind, files, secs, list(recs), expect)
        shutil.rmtree(out)

    def references(self, clients):
        R = self.fresh("r")
        total = sum(f[2] for f in R)
        for name, sync in (("cp", False), ("cp + sync --data", True)):
            dst = os.path.join(self.a.work, "cp", f"{name.replace(' ', '')}-{clients}")
            secs = ref_cp(R, dst, clients, sync)
            self.refs[(name, clients)] = (total / secs / 1e6, len(R) / secs)
            shutil.rmtree(dst)
        secs = run_parallel(R, clients, lambda i, f: clamd_instream(self.a.clamd, f[0]))
        self.refs[("clamd INSTREAM", clients)] = (total / secs / 1e6, len(R) / secs)

    # -- the fixed cost of one access: tiny unscanned puts -------------------------------------------------------------
    def tiny(self):
        n, size = self.a.tiny_count, self.a.tiny_size
        sizes_saved = self.sizes
        self.sizes = [(size, n)]
        lines = []
        # The raw commit the server does for each put, on the same file system: write, fdatasync, rename, fsync dir.
        T = self.fresh("t0")
        d = os.path.join(self.a.work, "rawcommit")
        os.makedirs(d)
        t0 = time.perf_counter()
        for f in T:
            data = open(f[0], "rb").read()
            tmp = os.path.join(d, f[1] + ".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            os.write(fd, data)
            os.fdatasync(fd)
            os.close(fd)
            os.rename(tmp, os.path.join(d, f[1]))
            dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
            os.fsync(dfd)
            os.close(dfd)
        raw = (time.perf_counter() - t0) / n
        lines.append(("raw commit: write + fdatasync + rename + fsync(dir)", 1, raw))
        for clients in (1, 4):
            T = self.fresh(f"t{clients}")
            cs = [Client(self.host, self.port, sid) for sid in self.sessions["unscanned"][:clients]]
            recs = []

            def w(i, f, clients=clients, cs=cs, recs=recs):
                t = time.time_ns()
                recs.append(cs[i].put(f[0], f"docs/tiny{clients}/{f[1]}", f[2]))
                self.tiny_times[f"tiny{clients}/{f[1]}"] = (t, time.time_ns())
            secs = run_parallel(T, clients, w)
            assert all(r["verdict"] == "not_scanned" for r in recs), recs[:1]
            lines.append(("put, unscanned, http (keep-alive)", clients, secs / n))
        # The same tiny files read back, unscanned (a get is recorded too, before its bytes are sent).
        cs = [Client(self.host, self.port, self.sessions["unscanned"][0])]
        os.makedirs(os.path.join(self.a.work, "tinyget"))
        secs = run_parallel(T, 1, lambda i, f: cs[0].get(f"docs/tiny4/{f[1]}",
                                                          os.path.join(self.a.work, "tinyget", f[1])))
        lines.append(("get, unscanned, http (keep-alive)", 1, secs / n))
        # The HTTP round trip alone: GET /v1/status on a keep-alive connection (no log, no disk).
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        t0 = time.perf_counter()
        for _ in range(n):
            conn.request("GET", "/v1/status")
            conn.getresponse().read()
        lines.append(("GET /v1/status, http (round trip, no log, no disk)", 1, (time.perf_counter() - t0) / n))
        T = self.fresh("tc")
        secs = run_parallel(T, 1, lambda i, f: subprocess.run(
            [self.a.storemesh, "put", "--session", self.sessions["unscanned"][0], "--no-sha", "--at", self.a.at,
             f[0], f"docs/tinycli/{f[1]}"], check=True, capture_output=True, timeout=60))
        lines.append(("put, unscanned, storemesh put (a process each)", 1, secs / n))
        # A process start alone: `storemesh --help`, the floor of the CLI rows.
        t0 = time.perf_counter()
        for _ in range(20):
            subprocess.run([self.a.storemesh, "--help"], check=True, capture_output=True)
        lines.append(("storemesh --help (process start, no request)", 1, (time.perf_counter() - t0) / 20))
        self.sizes = sizes_saved
        return raw, lines

    def print_by_size(self, clients):
        """Mean ms per file by size (http rows): the fixed cost of an access against the scan's cost per byte."""
        cols = [("put", "unscanned"), ("put", "scanned"), ("get", "unscanned"), ("get", "scanned"),
                ("get", "scanned, cached")]
        if not all((clients, *c) in self.per_file for c in cols):
            return
        print(f"-- by size: http, c={clients}, mean ms per file (each as its client saw it); gain = unscanned / scanned")
        print(f"   {'size':>8} {'put u':>8} {'put s':>8} {'gain':>6} {'get u':>8} {'get s':>8} {'gain':>6} "
              f"{'get s cached':>12} {'gain':>6}")
        for size in sorted(self.per_file[(clients, "put", "unscanned")]):
            m = [sum(v) / len(v) * 1e3 for v in (self.per_file[(clients, *c)][size] for c in cols)]
            label = f"{size >> 20} MiB" if size >= MiB else f"{size >> 10} KiB"
            print(f"   {label:>8} {m[0]:>8.1f} {m[1]:>8.1f} {m[1] / m[0]:>5.1f}x {m[2]:>8.1f} {m[3]:>8.1f} "
                  f"{m[3] / m[2]:>5.1f}x {m[4]:>12.1f} {m[4] / m[2]:>5.1f}x")
        print()

    def print_tiny_steps(self):
        """Where a tiny unscanned put's time goes, from the log's own timestamps beside the client's clock (one
        machine, one clock): the recordAccess command is stamped when the server submits it (the file received and
        hashed), the `accessed` event when the daemon decided, the seal after it when the daemon's batch of events
        was committed; the rest is the server seeing the event, its commit (fdatasync, rename, fsync of the
        directory) and the reply."""
        p = subprocess.run([self.a.storemesh, "events", "tail", "--json", "--topic", "storemesh.commands",
                            "--topic", "storemesh.events.access_server"], capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            print(f"   (events tail failed: {p.stderr.strip()[:200]})")
            return
        stamped, decided, sealed = {}, {}, {}
        pending = {}  # partition -> [paths whose event waits for a seal]
        for line in p.stdout.splitlines():
            rec = json.loads(line)
            env = rec.get("envelope") or {}
            payload = env.get("payload") or {}
            ts = int(env.get("timestampNs", 0))
            if "seal" in payload:
                for path in pending.pop(rec["partition"], []):
                    sealed[path] = ts
                continue
            for body in payload.values():
                for name, b in (body.items() if isinstance(body, dict) else []):
                    if not isinstance(b, dict) or b.get("op") != "put":
                        continue  # the tiny gets read the same paths
                    if name == "recordAccess":
                        stamped[b["path"]] = ts
                    elif name == "accessed":
                        decided[b["path"]] = ts
                        pending.setdefault(rec["partition"], []).append(b["path"])
        for clients in (1, 4):
            steps = {k: [] for k in ("sent -> command stamped", "command stamped -> decided", "decided -> sealed",
                                     "sealed -> reply received", "sent -> reply received (whole)")}
            for path, (t0, t1) in self.tiny_times.items():
                if not path.startswith(f"tiny{clients}/") or not all(path in d for d in (stamped, decided, sealed)):
                    continue
                a, b, c = stamped[path], decided[path], sealed[path]
                for k, v in zip(steps, (a - t0, b - a, c - b, t1 - c, t1 - t0)):
                    steps[k].append(v)
            n = len(steps["sent -> reply received (whole)"])
            if not n:
                continue
            print(f"   tiny puts, http, c={clients}: {n} with every step, median / p90 ms")
            for k, v in steps.items():
                v.sort()
                print(f"      {k:<32} {v[n // 2] / 1e6:7.2f} / {v[int(0.9 * (n - 1))] / 1e6:7.2f}")

    def print_table(self):
        def ref(name, c):
            return self.refs.get((name, c), (float("nan"),) * 2)[0]

        unscanned = {(r["client"], r["clients"], r["op"]): r["mbps"] for r in self.rows if r["kind"] == "unscanned"}
        hdr = (f"{'client':<6} {'c':>2} {'op':<4} {'session':<16} {'MB/s':>8} {'files/s':>8} {'vs cp':>6} "
               f"{'vs cp+sync':>10} {'vs clamd':>8} {'gain':>6}  {'records'}")
        print(hdr)
        print("-" * len(hdr))
        for c in sorted({r["clients"] for r in self.rows}):
            for name in ("cp", "cp + sync --data", "clamd INSTREAM"):
                if (name, c) in self.refs:
                    mb, fps = self.refs[(name, c)]
                    print(f"{'ref':<6} {c:>2} {'':<4} {name:<16} {mb:>8.1f} {fps:>8.1f}")
            for r in (x for x in self.rows if x["clients"] == c):
                base = unscanned.get((r["client"], c, r["op"]))
                gain = f"{base / r['mbps']:>5.1f}x" if r["kind"] != "unscanned" and base else f"{'':>6}"
                ok = f"{r['n'] - r['bad']}/{r['n']} as meant"
                print(f"{r['client']:<6} {c:>2} {r['op']:<4} {r['kind']:<16} {r['mbps']:>8.1f} {r['fps']:>8.1f} "
                      f"{r['mbps'] / ref('cp', c):>6.2f} {r['mbps'] / ref('cp + sync --data', c):>10.2f} "
                      f"{r['mbps'] / ref('clamd INSTREAM', c):>8.2f} {gain}  {ok}")
            print()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--storemesh", required=True)
    p.add_argument("--at", required=True)
    p.add_argument("--clamd", required=True)
    p.add_argument("--sessions", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--files", default="64K:64,1M:32,16M:4")
    p.add_argument("--clients", default="1,4")
    p.add_argument("--cli", default="1,4", help="client counts for the CLI rows ('' for none)")
    p.add_argument("--tiny-count", type=int, default=200)
    p.add_argument("--tiny-size", type=int, default=1024)
    a = p.parse_args()
    b = Bench(a)
    t0 = time.perf_counter()
    total = sum(s * n for s, n in b.sizes)
    print(f"-- files: {a.files} ({total / MiB:.0f} MiB, {sum(n for _, n in b.sizes)} files per row; fresh random "
          f"bytes for every row)")
    for c in [int(x) for x in a.clients.split(",") if x]:
        b.references(c)
        b.http_rows(c)
    for c in [int(x) for x in a.cli.split(",") if x]:
        b.cli_rows(c)
    raw, lines = b.tiny()
    print()
    print("client: http = one keep-alive HTTP connection per client (the server's own rate); cli = one `storemesh "
          "put/get --no-sha` process per file")
    print("c: concurrent clients, each in its own session (cp: c processes; clamd: c INSTREAM connections)")
    print("vs cp, vs cp+sync, vs clamd: MB/s over the reference's MB/s at the same c;"
          " gain: the unscanned row's MB/s over this row's (same client, c, op)")
    print()
    b.print_table()
    for c in [int(x) for x in a.clients.split(",") if x]:
        b.print_by_size(c)
    print(f"-- the fixed cost of one access: {a.tiny_count} puts of {a.tiny_size} B, unscanned (the access record: one "
          "command + one event in the log, fsync'd)")
    print("   (ms each: as one client sees it; per second: all clients together)")
    for what, c, per in lines:
        extra = f"  (+{(per - raw) * 1e3:.2f} ms over the raw commit)" if c == 1 and per != raw and "put" in what else ""
        print(f"   {what:<52} c={c}  {per * c * 1e3:7.2f} ms each  {1 / per:8.0f} /s{extra}")
    print("-- where a tiny put's time goes, from the log's timestamps (events tail --json)")
    b.print_tiny_steps()
    print(f"-- measured in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
