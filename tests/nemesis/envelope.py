"""Envelopes decoded by the Cap'n Proto tool itself (`capnp convert
binary:json`, Debian's capnproto), from schemas/envelope.capnp: no storemesh
decoder is involved. Data fields come back as lists of byte values, 64-bit
integers as strings; `Env` gives them typed."""

import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "..", "schemas", "envelope.capnp")


class Env:
    """The fields the checker reads, from one decoded envelope."""

    __slots__ = ("raw", "id", "kind", "entity", "seq", "cause", "producer", "command_offset",
                 "integrity", "prev_hash", "public_key", "payload_kind", "payload", "timestamp_ns")

    def __init__(self, j):
        self.raw = j
        self.id = bytes(j.get("id", []))
        self.kind = j.get("entityKind", "")
        self.entity = j.get("entityId", "")
        self.seq = int(j.get("sequence", "0"))
        self.cause = bytes(j.get("causationId", []))
        self.producer = j.get("producer", "")
        self.command_offset = int(j.get("commandOffset", "-1"))
        self.timestamp_ns = int(j.get("timestampNs", "0"))
        integ = j.get("integrity", {})
        self.integrity = next(iter(integ), "none")
        self.prev_hash = bytes(integ.get("event", {}).get("prevHash", [])) if self.integrity == "event" else None
        self.public_key = bytes(integ.get("command", {}).get("publicKey", [])) if self.integrity == "command" else None
        pay = j.get("payload", {})
        self.payload_kind = next(iter(pay), "unknown")
        self.payload = pay.get(self.payload_kind)

    def variant(self):
        """The payload's inner union member, e.g. ('hostCommand', 'register')."""
        p = self.payload
        if isinstance(p, dict) and p:
            return self.payload_kind, next(iter(p))
        return self.payload_kind, None


def _convert(blob, timeout=300):
    return subprocess.run(["capnp", "convert", "binary:json", SCHEMA, "Envelope"], input=blob,
                          capture_output=True, timeout=timeout)


def _parse_stream(text):
    dec, pos, out = json.JSONDecoder(), 0, []
    n = len(text)
    while True:
        while pos < n and text[pos] in " \t\r\n":
            pos += 1
        if pos >= n:
            return out
        obj, pos = dec.raw_decode(text, pos)
        out.append(obj)


def decode_all(values):
    """[Env or None] for a list of record values (None: not a valid envelope).
    One capnp process for the lot; if it refuses the stream, one per value
    to find the bad ones."""
    if not values:
        return []
    r = _convert(b"".join(values))
    if r.returncode == 0:
        objs = _parse_stream(r.stdout.decode("utf-8", "replace"))
        if len(objs) == len(values):
            return [Env(o) for o in objs]
    out = []
    for v in values:
        r = _convert(v, timeout=60)
        objs = _parse_stream(r.stdout.decode("utf-8", "replace")) if r.returncode == 0 else []
        out.append(Env(objs[0]) if len(objs) == 1 else None)
    return out
