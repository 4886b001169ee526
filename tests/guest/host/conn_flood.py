#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Opens many TCP connections to a guest server and resets them, and leaves more half-open with raw SYNs: the robustness load.
"""usage: conn_flood.py [--reset N] [--parallel P] [--timeout SEC]
                     [--halfopen M --iface TAP --guest-mac MAC --fake-ip IP]
                     HOST PORT

--reset N (default 0): N connections to HOST:PORT, P at a time (default
200), each closed with a reset once connected: SO_LINGER on with a zero
timeout makes close() send RST instead of FIN (socket(7), tcp(7)). One in
K (--partial K, default 3; 0: none) first sends the start of an HTTP
request that never ends, so the server is mid-read when the reset comes. A connection not made within SEC
seconds (default 10) is reset too and counted as failed.

--halfopen M (default 0): M SYNs to HOST:PORT written as raw frames on TAP
from a made-up address FAKE_IP (which must be in the tap's subnet and not
used) and a made-up MAC, each from its own source port, never followed by
an ACK: the guest holds each in SYN-RECEIVED (RFC 9293 section 3.3.2)
until it gives up. This script answers the guest's ARP requests for
FAKE_IP, so the SYN-ACKs do go out, to a MAC the host ignores (so the
host's own stack never resets them).

At the end it prints

  conn_flood: reset C/N connected and reset, F failed (REASONS) in T s
  conn_flood: half-open M SYNs sent, A answered with a SYN-ACK in T s

and exits 0 when every reset connection connected, 1 otherwise, 2 on bad
arguments.
"""
import argparse
import errno
import os
import random
import select
import selectors
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netpkt as P  # noqa: E402

LINGER_RST = struct.pack("ii", 1, 0)     # struct linger { l_onoff = 1, l_linger = 0 }
PARTIAL_REQUEST = b"GET / HTTP/1.1\r\nHost: guest\r\nX-Never-Ends: "


def reset_flood(host, port, total, parallel, timeout, partial):
    sel = selectors.DefaultSelector()
    started = done = ok = 0
    reasons = {}
    deadline = {}
    t0 = time.monotonic()

    def finish(s, good, why=None):
        nonlocal done, ok
        sel.unregister(s)
        del deadline[s]
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
        except OSError:
            pass
        s.close()
        done += 1
        if good:
            ok += 1
        else:
            reasons[why] = reasons.get(why, 0) + 1

    while done < total:
        while started < total and started - done < parallel:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            r = s.connect_ex((host, port))
            started += 1
            deadline[s] = time.monotonic() + timeout
            sel.register(s, selectors.EVENT_WRITE, started)
            if r not in (0, errno.EINPROGRESS):
                finish(s, False, errno.errorcode.get(r, str(r)))
        for key, _ in sel.select(0.2):
            s = key.fileobj
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                finish(s, False, errno.errorcode.get(err, str(err)))
                continue
            if partial and key.data % partial == 0:
                try:
                    s.send(PARTIAL_REQUEST)
                except OSError:
                    pass
            finish(s, True)
        now = time.monotonic()
        for s in [s for s, d in deadline.items() if d < now]:
            finish(s, False, "no connection in %g s" % timeout)
    return ok, reasons, time.monotonic() - t0


def halfopen_flood(args, total):
    """Raw SYNs from FAKE_IP; answers ARP for it; counts the SYN-ACKs. Returns (sent, answered, seconds)."""
    rng = random.Random()
    gmac = P.mac_bytes(args.guest_mac)
    gip = P.ip_bytes(args.host)
    fip = P.ip_bytes(args.fake_ip)
    # A locally administered unicast MAC (bit 1 of the first byte set, bit 0 clear): nobody's.
    fmac = bytes([0x02, 0x00, 0x5E, 0x10, fip[2], fip[3]])
    tx = P.packet_socket(args.iface)
    rx = P.packet_socket(args.iface)
    rx.setblocking(False)
    answered = set()
    base = rng.randrange(1024, 65536 - total) if total < 60000 else 1024
    t0 = time.monotonic()

    def poll_rx(wait):
        end = time.monotonic() + wait
        while True:
            left = end - time.monotonic()
            if not select.select([rx], [], [], max(left, 0))[0]:
                if left <= 0:
                    return
                continue
            while True:
                try:
                    frame, addr = rx.recvfrom(65536)
                except BlockingIOError:
                    break
                if addr[2] == socket.PACKET_OUTGOING:
                    continue
                req = P.parse_arp_request(frame)
                if req and req[2] == fip:
                    tx.send(P.arp_reply(fmac, fip, req[0], req[1]))
                    continue
                t = P.parse_tcp(frame)
                if t and t[1] == fip and t[2] == args.port and (t[6] & (P.SYN | P.ACK)) == (P.SYN | P.ACK):
                    answered.add(t[3])

    sent = 0
    while sent < total:
        # Bursts of 50, then a look at the replies: the guest under TCG is far slower than this loop.
        for _ in range(min(50, total - sent)):
            sport = base + sent
            seg = P.tcp(fip, gip, sport, args.port, rng.randrange(1 << 32), 0, P.SYN, options=P.mss_option())
            ip = P.ipv4(fip, gip, P.IPPROTO_TCP, seg, ident=sent)
            tx.send(P.ether(gmac, fmac, P.ETH_P_IP, ip))
            sent += 1
        poll_rx(0.01)
    poll_rx(1.0)
    return sent, len(answered), time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description="Reset and half-open connection load on a guest server.")
    ap.add_argument("--reset", type=int, default=0)
    ap.add_argument("--parallel", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--partial", type=int, default=3)
    ap.add_argument("--halfopen", type=int, default=0)
    ap.add_argument("--iface")
    ap.add_argument("--guest-mac")
    ap.add_argument("--fake-ip")
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    args = ap.parse_args()
    if not 1 <= args.port <= 65535:
        ap.error("PORT must be 1..65535")
    if args.partial < 0:
        ap.error("--partial must not be negative")
    if args.reset < 0 or args.halfopen < 0 or args.halfopen > 64000 or not 1 <= args.parallel <= 10000:
        ap.error("--reset and --halfopen must not be negative (--halfopen at most 64000), --parallel 1..10000")
    try:
        P.ip_bytes(args.host)
        if args.halfopen:
            if not (args.iface and args.guest_mac and args.fake_ip):
                ap.error("--halfopen needs --iface, --guest-mac and --fake-ip")
            P.mac_bytes(args.guest_mac)
            P.ip_bytes(args.fake_ip)
    except ValueError as e:
        ap.error(str(e))

    status = 0
    if args.reset:
        ok, reasons, secs = reset_flood(args.host, args.port, args.reset, args.parallel, args.timeout,
                                          args.partial)
        why = ", ".join("%s: %d" % kv for kv in sorted(reasons.items())) or "none"
        print("conn_flood: reset %d/%d connected and reset, %d failed (%s) in %.1f s" %
              (ok, args.reset, args.reset - ok, why, secs), flush=True)
        if ok != args.reset:
            status = 1
    if args.halfopen:
        try:
            sent, answered, secs = halfopen_flood(args, args.halfopen)
        except OSError as e:
            print("conn_flood: half-open: packet socket on %s: %s" % (args.iface, e))
            return 1
        print("conn_flood: half-open %d SYNs sent, %d answered with a SYN-ACK in %.1f s" % (sent, answered, secs))
    return status


if __name__ == "__main__":
    sys.exit(main())
