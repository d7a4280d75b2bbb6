"""Faults: how each kind is injected and healed, by pid and by ops/kafka only
(never a broad kill). Each `apply` returns a short line for the timeline;
`heal` undoes it."""

import os
import random
import subprocess

import rawlog


def _daemon(cluster, f):
    return cluster.daemons[f["target"]]


def apply(cluster, f, ctx):
    k = f["kind"]
    if k in ("kill", "torn_tail", "leave"):
        _daemon(cluster, f).down_by_fault = True
    if k == "kill":
        d = _daemon(cluster, f)
        d.kill()
        return f"SIGKILL {d.name}"
    if k == "torn_tail":
        d = _daemon(cluster, f)
        d.kill()
        topic = f"{cluster.prefix}.{f['topic']}"
        pdir = os.path.join(cluster.log_root, topic, str(f.get("partition", 0)))
        if not os.path.isdir(pdir) or not any(n.endswith(".seg") for n in os.listdir(pdir)):
            return f"SIGKILL {d.name} ({topic}/{f.get('partition', 0)} has no segment yet: no torn tail)"
        junk = random.Random(f"torn/{ctx['seed']}/{f['junk']}").randbytes(f["junk"])
        at = rawlog.file_tear_tail(cluster.log_root, topic, f.get("partition", 0), junk)
        return f"SIGKILL {d.name}, torn batch of {len(junk) + 48} bytes at byte {at} of {topic}/{f.get('partition', 0)}"
    if k == "pause":
        d = _daemon(cluster, f)
        d.pause()
        return f"SIGSTOP {d.name}"
    if k == "leave":
        d = _daemon(cluster, f)
        rc = d.terminate()
        return f"SIGTERM {d.name} (exit {rc})"
    if k == "broker_kill":
        cluster.kill_node(f["node"])
        return f"kill -9 broker {f['node']}"
    if k == "leader_kill":
        leaders = rawlog.kafka_leaders(cluster.bootstrap, cluster.prefix + ".commands")
        node = leaders.get(f["partition"], -1)
        if node < 1 or node in cluster.down_nodes:
            return f"commands/{f['partition']} has no live leader to kill ({node})"
        f["node"] = node
        cluster.kill_node(node)
        return f"kill -9 broker {node}, leader of {cluster.prefix}.commands/{f['partition']}"
    if k == "disk_full":
        return fill(ctx["full"])
    raise ValueError(k)


def heal(cluster, f, ctx):
    k = f["kind"]
    if k in ("kill", "torn_tail", "leave"):
        d = _daemon(cluster, f)
        d.down_by_fault = False
        if not d.alive():
            d.start()
            cluster.wait_serving(d)
        return f"restarted {d.name}"
    if k == "pause":
        d = _daemon(cluster, f)
        d.resume()
        return f"SIGCONT {d.name}"
    if k in ("broker_kill", "leader_kill"):
        if "node" in f and f["node"] in cluster.down_nodes:
            cluster.start_node(f["node"])
            return f"broker {f['node']} restarted"
        return "no broker to restart"
    if k == "disk_full":
        return free(ctx["full"])
    raise ValueError(k)


FILLER = ".nemesis-filler"


def fill(mount):
    """Fills the datastore's file system to the last byte."""
    fd = os.open(os.path.join(mount, FILLER), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        for size in (1 << 20, 4096, 1):
            block = b"\xa5" * size
            try:
                while os.write(fd, block) > 0:
                    pass
            except OSError:
                pass
    finally:
        os.close(fd)
    st = os.statvfs(mount)
    return f"filled {mount} ({st.f_bavail * st.f_frsize} bytes left)"


def free(mount):
    try:
        os.unlink(os.path.join(mount, FILLER))
    except FileNotFoundError:
        pass
    return f"freed {mount}"


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path], capture_output=True)
    return r.returncode == 0, r.stderr.decode(errors="replace").strip()


def umount(path):
    subprocess.run(["umount", "-l", path], capture_output=True)
