"""The raw log, read (and for two faults written) without any storemesh code.

FileLog: the segment files, parsed from the format described in
events/file_log/README.md, every batch's CRC32C checked; reading stops at a
torn tail as the log does. Kafka: kcat, read_committed, values framed by their
sizes. Both give `Record`s: topic, partition, offset, key and value bytes.
"""

import fcntl
import os
import re
import struct
import subprocess
from dataclasses import dataclass

try:  # Debian's python3-crcmod: CRC32C in C
    import crcmod.predefined

    _crc32c = crcmod.predefined.mkCrcFun("crc-32c")
except ImportError:  # pragma: no cover - a slow but equal fallback
    _TABLE = []
    for _i in range(256):
        _c = _i
        for _ in range(8):
            _c = (_c >> 1) ^ (0x82F63B78 if _c & 1 else 0)
        _TABLE.append(_c)

    def _crc32c(data):
        c = 0xFFFFFFFF
        for b in data:
            c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
        return c ^ 0xFFFFFFFF


@dataclass
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes
    value: bytes


# -- FileLog ------------------------------------------------------------------

MAGIC = b"SMB1"
HEADER = struct.Struct("<4sIIIqqqq")  # magic crc length count base first_ts max_ts attributes
assert HEADER.size == 48
RECORD_HEAD = struct.Struct("<qII")  # timestamp key_len value_len


def _pad8(n):
    return (n + 7) & ~7


def parse_batch(buf, pos, expected_base):
    """The records of the batch at buf[pos:], or (None, why) when it is not a
    whole valid batch (a torn tail in a last segment, corruption elsewhere)."""
    if len(buf) - pos < HEADER.size:
        return None, "incomplete header"
    magic, crc, length, count, base, _, _, _ = HEADER.unpack_from(buf, pos)
    if magic != MAGIC:
        return None, "no batch magic"
    if length < HEADER.size or length % 8 or count < 1:
        return None, f"bad header (length {length}, count {count})"
    if pos + length > len(buf):
        return None, "incomplete batch"
    if _crc32c(bytes(buf[pos + 8:pos + length])) != crc:
        return None, "CRC32C mismatch"
    if expected_base is not None and base != expected_base:
        return None, f"base offset {base}, expected {expected_base}"
    records, at, end = [], pos + HEADER.size, pos + length
    for i in range(count):
        if end - at < RECORD_HEAD.size:
            return None, "records do not tile the batch"
        _, klen, vlen = RECORD_HEAD.unpack_from(buf, at)
        at += RECORD_HEAD.size
        key = bytes(buf[at:at + klen])
        at += _pad8(klen)
        value = bytes(buf[at:at + vlen])
        at += _pad8(vlen)
        if at > end:
            return None, "records overrun the batch"
        records.append((base + i, key, value))
    if at != end:
        return None, "records do not tile the batch"
    return (records, length), None


def _segments(pdir):
    segs = []
    for name in os.listdir(pdir):
        m = re.fullmatch(r"(\d{20})\.seg", name)
        if m:
            segs.append((int(m.group(1)), os.path.join(pdir, name)))
    return sorted(segs)


def read_file_partition(topic, partition, pdir):
    """Records of one partition, and notes/corruptions found on the way."""
    out, notes, corrupt = [], [], []
    segs = _segments(pdir)
    expected = None
    for idx, (base, path) in enumerate(segs):
        last = idx == len(segs) - 1
        with open(path, "rb") as f:
            buf = f.read()
        pos, want = 0, base
        if expected is not None and base != expected:
            corrupt.append(f"{path}: segment base {base}, expected {expected}")
            break
        while pos < len(buf):
            parsed, why = parse_batch(buf, pos, want)
            if parsed is None:
                where = f"{topic}/{partition} {os.path.basename(path)} byte {pos} of {len(buf)}: {why}"
                if last:
                    notes.append("torn tail not served: " + where)
                else:
                    corrupt.append(where)
                return out, notes, corrupt
            records, length = parsed
            for off, key, value in records:
                out.append(Record(topic, partition, off, key, value))
            want = records[-1][0] + 1
            pos += length
        expected = want
    return out, notes, corrupt


def file_topics(log_root):
    if not os.path.isdir(log_root):
        return []
    return sorted(t for t in os.listdir(log_root) if os.path.isfile(os.path.join(log_root, t, "partitions")))


def file_partitions(log_root, topic):
    with open(os.path.join(log_root, topic, "partitions")) as f:
        return int(f.read().strip())


def read_file_topic(log_root, topic):
    records, notes, corrupt = [], [], []
    for p in range(file_partitions(log_root, topic)):
        pdir = os.path.join(log_root, topic, str(p))
        if not os.path.isdir(pdir):
            continue
        r, n, c = read_file_partition(topic, p, pdir)
        records += r
        notes += n
        corrupt += c
    return records, notes, corrupt


class _Locked:
    """flock(LOCK_EX) on a partition's lock file, as every FileLog appender takes it."""

    def __init__(self, pdir):
        self.path = os.path.join(pdir, "lock")

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _valid_end(path, base):
    """(file position after the last valid batch, next offset) of a last segment."""
    with open(path, "rb") as f:
        buf = f.read()
    pos, want = 0, base
    while pos < len(buf):
        parsed, _ = parse_batch(buf, pos, want)
        if parsed is None:
            break
        records, length = parsed
        want = records[-1][0] + 1
        pos += length
    return pos, want


def encode_batch(base, records, ts_ns):
    """One batch of (key, value) records, in the README's format."""
    body = bytearray()
    for key, value in records:
        body += RECORD_HEAD.pack(ts_ns, len(key), len(value))
        body += key + b"\0" * (_pad8(len(key)) - len(key))
        body += value + b"\0" * (_pad8(len(value)) - len(value))
    length = HEADER.size + len(body)
    head = bytearray(HEADER.pack(MAGIC, 0, length, len(records), base, ts_ns, ts_ns, 0))
    batch = head + body
    struct.pack_into("<I", batch, 4, _crc32c(bytes(batch[8:])))
    return bytes(batch)


def file_append(log_root, topic, partition, key, value, ts_ns):
    """Appends one record as a FileLog appender does: under the partition's
    lock, after cutting a torn tail, at the end of the last segment, then
    fdatasync. Returns its offset."""
    pdir = os.path.join(log_root, topic, str(partition))
    with _Locked(pdir):
        base, path = _segments(pdir)[-1]
        end, next_offset = _valid_end(path, base)
        fd = os.open(path, os.O_RDWR)
        try:
            if os.fstat(fd).st_size != end:
                os.ftruncate(fd, end)
            os.pwrite(fd, encode_batch(next_offset, [(key, value)], ts_ns), end)
            os.fdatasync(fd)
        finally:
            os.close(fd)
    return next_offset


def file_tear_tail(log_root, topic, partition, junk):
    """Leaves what a writer killed mid-pwrite leaves: the start of a batch
    (valid header claiming more bytes than follow). `junk` is the partial body."""
    pdir = os.path.join(log_root, topic, str(partition))
    with _Locked(pdir):
        base, path = _segments(pdir)[-1]
        end, next_offset = _valid_end(path, base)
        claimed = HEADER.size + _pad8(len(junk)) + 4096
        head = HEADER.pack(MAGIC, 0xDEADBEEF, claimed, 1, next_offset, 0, 0, 0)
        fd = os.open(path, os.O_RDWR)
        try:
            os.pwrite(fd, head + junk, end)
            os.fdatasync(fd)
        finally:
            os.close(fd)
    return end


# -- Kafka --------------------------------------------------------------------

def kafka_topics(bootstrap, prefix):
    out = subprocess.run(["kcat", "-b", bootstrap, "-L", "-m", "10"], capture_output=True, timeout=60)
    names = re.findall(rb'topic "([^"]+)" with (\d+) partitions', out.stdout)
    return {n.decode(): int(c) for n, c in names if n.decode().startswith(prefix + ".")}


def kafka_leaders(bootstrap, topic):
    """{partition: leader broker id} from the metadata."""
    out = subprocess.run(["kcat", "-b", bootstrap, "-L", "-t", topic, "-m", "10"], capture_output=True, timeout=60)
    return {int(p): int(l) for p, l in re.findall(rb"partition (\d+), leader (-?\d+),", out.stdout)}


def read_kafka_topic(bootstrap, topic, timeout=180, isolation="read_committed"):
    """Every committed record of the topic (read_committed), values framed by
    size; read_uncommitted adds those of aborted and open transactions."""
    cmd = ["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
           "-X", f"isolation.level={isolation}", "-f", "%p %o %K %S\n%k%s"]
    out = subprocess.run(cmd, capture_output=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"kcat {topic}: exit {out.returncode}: {out.stderr[-400:]!r}")
    data, pos, records = out.stdout, 0, []
    while pos < len(data):
        nl = data.index(b"\n", pos)
        p, o, klen, vlen = (int(x) for x in data[pos:nl].split())
        pos = nl + 1
        key = data[pos:pos + max(klen, 0)]
        pos += max(klen, 0)
        value = data[pos:pos + max(vlen, 0)]
        pos += max(vlen, 0)
        records.append(Record(topic, p, o, key, value))
    records.sort(key=lambda r: (r.partition, r.offset))
    return records


def kafka_produce(bootstrap, topic, key, value, scratch):
    """Produces one record keyed like storemesh does (murmur2). A file
    argument makes kcat send the file whole, newlines included."""
    with open(scratch, "wb") as f:
        f.write(value)
    subprocess.run(["kcat", "-P", "-b", bootstrap, "-t", topic, "-k", key.decode(),
                    "-X", "topic.partitioner=murmur2_random", scratch],
                   check=True, capture_output=True, timeout=60)
