#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# TCP receiver for guest-to-host transfers: reads one connection to its end and checks every byte against netclient's pattern.
"""usage: tcp_sink.py [--seconds N] [--expect BYTES] ADDRESS PORT_FILE

Listens on ADDRESS, on a free TCP port that it writes to PORT_FILE
(atomically), accepts one connection, reads it to EOF, then closes it (the
sender, `netclient send`, half-closes and waits for that close). Gives up
after N seconds (default 300) so that a forgotten sink does not live for
ever. It prints

  tcp_sink: N bytes from A:P in T s (R MiB/s)
  tcp_sink: sha256 RECEIVED, pattern sha256 EXPECTED: match
  (or ...: MISMATCH, first difference at byte K)

and exits 0 when the bytes are exactly the pattern of their length and,
with --expect, there are BYTES of them; 1 otherwise.

The pattern (apps/netclient/netclient.c): byte k of the stream, k counted
from 0 as an unsigned 64-bit integer, is (k * 2654435761 mod 2^64) >> 13
& 0xff. Bits 13..20 of the product depend only on k mod 2^21, so the
stream repeats every 2 MiB: one period is made once and compared slice by
slice as data arrives.
"""
import argparse
import hashlib
import os
import signal
import socket
import sys
import time

PERIOD = 1 << 21
MUL = 2654435761


def make_period():
    return bytes(((k * MUL) >> 13) & 0xFF for k in range(PERIOD))


def expected_sha256(n, period):
    h = hashlib.sha256()
    whole, rest = divmod(n, PERIOD)
    for _ in range(whole):
        h.update(period)
    h.update(period[:rest])
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description="Receive one TCP stream and check it against netclient's pattern.")
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--expect", type=int, default=None)
    ap.add_argument("address")
    ap.add_argument("port_file")
    args = ap.parse_args()

    period = make_period()
    # Twice the period, so that any slice up to one period long starting anywhere in it is contiguous.
    twice = period + period
    signal.signal(signal.SIGALRM, lambda s, f: sys.exit("tcp_sink: no complete transfer within %g s" % args.seconds))
    signal.setitimer(signal.ITIMER_REAL, args.seconds)

    ls = socket.socket(socket.AF_INET6 if ":" in args.address else socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((args.address, 0))
    ls.listen(1)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, args.port_file)

    conn, peer = ls.accept()
    ls.close()
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    buf = bytearray(1 << 20)
    view = memoryview(buf)
    h = hashlib.sha256()
    total = 0
    first_bad = None
    t0 = None
    while True:
        n = conn.recv_into(buf)
        if n == 0:
            break
        if t0 is None:
            t0 = time.monotonic()
        chunk = view[:n]
        h.update(chunk)
        if first_bad is None:
            off = total % PERIOD
            if chunk != twice[off:off + n]:
                want = twice[off:off + n]
                first_bad = total + next(i for i in range(n) if chunk[i] != want[i])
        total += n
    secs = time.monotonic() - t0 if t0 is not None else 0.0
    conn.close()
    signal.setitimer(signal.ITIMER_REAL, 0)

    got = h.hexdigest()
    want = expected_sha256(total, period)
    rate = total / (1 << 20) / secs if secs > 0 else 0.0
    print("tcp_sink: %d bytes from %s:%d in %.2f s (%.1f MiB/s)" % (total, peer[0], peer[1], secs, rate))
    if got == want and first_bad is None:
        print("tcp_sink: sha256 %s, pattern sha256 %s: match" % (got, want))
    else:
        print("tcp_sink: sha256 %s, pattern sha256 %s: MISMATCH, first difference at byte %s" %
              (got, want, first_bad))
        return 1
    if args.expect is not None and total != args.expect:
        print("tcp_sink: expected %d bytes, got %d" % (args.expect, total))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
