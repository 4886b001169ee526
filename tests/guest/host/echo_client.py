#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Echo clients against apps/echo, for tests/guest/http_e2e.sh.

usage: echo_client.py HOST PORT udp [--count N]
       echo_client.py HOST PORT tcp [--bytes N]

udp  sends N datagrams of different sizes and contents, one at a time, and
     checks that each comes back unchanged (a lost one is sent again, up to
     3 times: UDP may drop, the echo must not alter).
tcp  sends N pseudo-random bytes on one connection while reading the echo,
     closes its sending side, reads until the server closes, and compares
     the SHA-256 of what came back with what went out.

Prints "echo_client: ... ok ..." and exits 0, or prints what was wrong and
exits 1.
"""
import argparse
import hashlib
import random
import socket
import sys
import threading
import time

TIMEOUT = 20.0


def udp(host, port, count):
    rng = random.Random(7)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, port))
    s.settimeout(2.0)
    sizes = [1, 64, 512, 1400, 1472, 4000, 8192]
    for i in range(count):
        size = sizes[i % len(sizes)]
        data = bytes([i & 0xFF]) + rng.randbytes(size - 1)
        for attempt in range(3):
            s.send(data)
            try:
                back = s.recv(65536)
            except socket.timeout:
                continue
            if back != data:
                print("echo_client: udp: datagram %d (%d bytes) came back as %d different bytes"
                      % (i, size, len(back)))
                return False
            break
        else:
            print("echo_client: udp: datagram %d (%d bytes): no echo after 3 tries" % (i, size))
            return False
    print("echo_client: udp ok: %d datagrams echoed unchanged" % count)
    return True


def tcp(host, port, nbytes):
    data = random.Random(862).randbytes(nbytes)
    s = socket.create_connection((host, port), timeout=TIMEOUT)
    err = []

    def sender():
        try:
            view = memoryview(data)
            for off in range(0, nbytes, 65536):
                s.sendall(view[off:off + 65536])
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            err.append(e)

    t = threading.Thread(target=sender)
    t0 = time.monotonic()
    t.start()
    got = hashlib.sha256()
    n = 0
    try:
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            got.update(chunk)
            n += len(chunk)
    except OSError as e:
        err.append(e)
    t.join()
    s.close()
    dt = time.monotonic() - t0
    if err:
        print("echo_client: tcp: %s after %d bytes back" % (err[0], n))
        return False
    want = hashlib.sha256(data).hexdigest()
    if n != nbytes or got.hexdigest() != want:
        print("echo_client: tcp: %d of %d bytes back, sha256 %s, want %s" % (n, nbytes, got.hexdigest(), want))
        return False
    print("echo_client: tcp ok: %d bytes echoed, sha256 %s, %.2f s" % (n, want[:16], dt))
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("mode", choices=["udp", "tcp"])
    ap.add_argument("--count", type=int, default=7)
    ap.add_argument("--bytes", type=int, default=1 << 20)
    a = ap.parse_args()
    good = udp(a.host, a.port, a.count) if a.mode == "udp" else tcp(a.host, a.port, a.bytes)
    sys.exit(0 if good else 1)


if __name__ == "__main__":
    main()
