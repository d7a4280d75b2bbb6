#!/usr/bin/env python3
"""What the control path's tests do on raw sockets (independent of storemesh's code):

  wire.py upstream PORT DIR       a stand-in for the original service: for each connection, stores what it
                                  received in DIR/N.bin and answers with the SHA-256 of it (hex), then a copy
                                  of the bytes, so the reply is large too; closes after the client half-closes.
  wire.py passthrough ADDR N      sends N random bytes through ADDR, half-closes, reads the reply; prints
                                  "sent-sha reply-sha-line echo-ok".
  wire.py raw ADDR HEX            sends the bytes, half-closes, prints the reply's bytes as hex (empty: none).
"""
import hashlib
import os
import socket
import sys
import threading


def serve_upstream(port, out_dir):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(16)
    print("upstream listening", flush=True)
    n = 0
    while True:
        conn, _ = srv.accept()
        n += 1
        threading.Thread(target=handle, args=(conn, os.path.join(out_dir, f"{n}.bin")), daemon=True).start()


def handle(conn, path):
    data = bytearray()
    while True:
        chunk = conn.recv(1 << 16)
        if not chunk:
            break
        data += chunk
    with open(path, "wb") as f:
        f.write(data)
    conn.sendall(hashlib.sha256(data).hexdigest().encode() + b"\n" + bytes(data))
    conn.close()


def connect(addr):
    host, port = addr.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=30)
    return s


def read_all(s):
    out = bytearray()
    while True:
        chunk = s.recv(1 << 16)
        if not chunk:
            return bytes(out)
        out += chunk


def passthrough(addr, n):
    payload = os.urandom(n)
    s = connect(addr)
    # Send and read at once: the upstream answers only after EOF, but a large
    # send must not wait on a full receive window.
    t = threading.Thread(target=lambda: (s.sendall(payload), s.shutdown(socket.SHUT_WR)))
    t.start()
    reply = read_all(s)
    t.join()
    line, _, echo = reply.partition(b"\n")
    print(hashlib.sha256(payload).hexdigest(), line.decode(), "echo-ok" if echo == payload else "echo-differs")


def raw(addr, hexbytes):
    s = connect(addr)
    s.sendall(bytes.fromhex(hexbytes))
    s.shutdown(socket.SHUT_WR)
    print(read_all(s).hex())


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "upstream":
        serve_upstream(int(sys.argv[2]), sys.argv[3])
    elif cmd == "passthrough":
        passthrough(sys.argv[2], int(sys.argv[3]))
    elif cmd == "raw":
        raw(sys.argv[2], sys.argv[3])
    else:
        sys.exit("unknown command " + cmd)
