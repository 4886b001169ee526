#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Injects malformed Ethernet/IPv4/TCP/UDP/ARP frames into a guest through a host tap, and checks that bad-checksum SYNs go unanswered.
"""usage: inject_frames.py --iface TAP --guest-mac MAC --guest-ip IP --host-ip IP
                        [--port PORT] [--rounds N] [--seed S]

Sends, N rounds over (default 10), one frame of every kind below from a
packet socket on TAP (a frame written there reaches the guest as if it
came from the wire), with random content where the kind leaves room:

  eth_runt         fewer than 14 bytes (the host pads it to 14 with zeros)
  ip_trunc         EtherType IPv4 but only 1..19 bytes of IP header
  ip_version       version 0, 6 or 15 in an IPv4 frame
  ip_ihl_small     IHL 0..4 (a header shorter than the minimum 20 bytes)
  ip_ihl_large     IHL past the end of the frame
  ip_len_long      total length larger than the frame (by 1..1400, or 65535)
  ip_len_short     total length smaller than the header, or cutting the TCP header
  ip_bad_csum      a SYN to PORT whose IP header checksum is wrong
  ip_bad_options   IHL 6..15 with option bytes that lie (length 0, 1, or past the header)
  tcp_trunc        a whole IP header, then 1..19 bytes of TCP header
  tcp_doff_small   TCP data offset 0..4
  tcp_doff_large   TCP data offset past the segment
  tcp_bad_csum     a SYN to PORT whose TCP checksum is wrong
  tcp_flags        SYN+FIN, SYN+RST, every flag, no flag, to PORT
  frag_overflow    a fragment whose offset + length passes 65535
  frag_overlap     two overlapping fragments of one datagram, never completed
  frag_orphan      a middle fragment whose first never comes
  frag_tiny        a first fragment of 8 bytes (the TCP ports only) with MF
  udp_bad_len      UDP length larger or smaller than the datagram
  udp_bad_csum     a UDP datagram with a wrong checksum
  arp_trunc        an ARP packet cut short
  arp_bad_sizes    ARP with hardware length 0 or 255, or protocol length 16

IP sources are HOST_IP (what the guest answers goes to the host, which
ignores it or answers with a reset). Every round also sends one valid SYN
to PORT as a control. At the end, after a second for replies, it prints

  inject_frames: F frames of K kinds sent (E refused by the host), seed S
  inject_frames: control SYNs answered C/N, bad-checksum SYNs answered B/M

and exits 0 when every control SYN got a SYN-ACK (so the capture works
and the guest was listening) and no bad-checksum SYN did (RFC 791 section
3.1 and RFC 9293 section 3.1: a datagram or segment whose checksum fails
is discarded), 1 otherwise, 2 on bad arguments.
"""
import argparse
import os
import random
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netpkt as P  # noqa: E402

# Source ports: each SYN kind in its own range, so that a SYN-ACK tells which kind it answers.
CONTROL_PORTS = 20000
IP_BAD_CSUM_PORTS = 21000
TCP_BAD_CSUM_PORTS = 22000


class Injector:
    def __init__(self, args, rng):
        self.a = args
        self.rng = rng
        self.gmac = P.mac_bytes(args.guest_mac)
        self.gip = P.ip_bytes(args.guest_ip)
        self.hip = P.ip_bytes(args.host_ip)
        self.sock = P.packet_socket(args.iface)
        # Our frames' source MAC: the tap's own, so that replies come back to the host.
        self.hmac = self.sock.getsockname()[4][:6]
        self.sent = 0
        self.refused = 0
        self.kinds = set()
        self.ident = rng.randrange(65536)

    def send(self, kind, frame):
        self.kinds.add(kind)
        try:
            self.sock.send(frame)
            self.sent += 1
        except OSError:
            # The host refuses some frames (too short for a tap without CAP_SYS_RAWIO, say): counted, not fatal.
            self.refused += 1

    def eth_ip(self, payload):
        return P.ether(self.gmac, self.hmac, P.ETH_P_IP, payload)

    def next_id(self):
        self.ident = (self.ident + 1) & 0xFFFF
        return self.ident

    def syn(self, sport, **ipkw):
        seg = P.tcp(self.hip, self.gip, sport, self.a.port, self.rng.randrange(1 << 32), 0, P.SYN,
                    options=P.mss_option(), bad_csum=ipkw.pop("tcp_bad_csum", False))
        return self.eth_ip(P.ipv4(self.hip, self.gip, P.IPPROTO_TCP, seg, ident=self.next_id(), **ipkw))

    def junk(self, n):
        return bytes(self.rng.randrange(256) for _ in range(n))

    def round(self, r):
        rng = self.rng
        a = self.a
        good_seg = P.tcp(self.hip, self.gip, 30000 + r, a.port, rng.randrange(1 << 32), 0, P.ACK,
                         payload=self.junk(rng.randrange(0, 64)))
        good_ip = P.ipv4(self.hip, self.gip, P.IPPROTO_TCP, good_seg, ident=self.next_id())

        # The control: a well-formed SYN, which the guest must answer.
        self.send("control", self.syn(CONTROL_PORTS + r))

        self.send("eth_runt", self.junk(rng.randrange(0, 14)))
        self.send("ip_trunc", self.eth_ip(good_ip[:rng.randrange(1, 20)]))
        ver = rng.choice([0, 6, 15])
        self.send("ip_version", self.eth_ip(bytes([(ver << 4) | 5]) + good_ip[1:]))
        ihl = rng.randrange(0, 5)
        self.send("ip_ihl_small", self.eth_ip(
            P.ipv4(self.hip, self.gip, P.IPPROTO_TCP, good_seg, ident=self.next_id(), ihl=ihl)))
        # IHL 15 = 60 bytes of header claimed, with only 20 + a few bytes in the frame.
        short = P.ipv4(self.hip, self.gip, P.IPPROTO_TCP, self.junk(rng.randrange(0, 30)), ident=self.next_id(),
                       ihl=15)
        self.send("ip_ihl_large", self.eth_ip(short))
        self.send("ip_len_long", self.eth_ip(P.ipv4(
            self.hip, self.gip, P.IPPROTO_TCP, good_seg, ident=self.next_id(),
            total_len=rng.choice([20 + len(good_seg) + rng.randrange(1, 1400), 65535]))))
        self.send("ip_len_short", self.eth_ip(P.ipv4(
            self.hip, self.gip, P.IPPROTO_TCP, good_seg, ident=self.next_id(),
            total_len=rng.choice([rng.randrange(0, 20), 20 + rng.randrange(1, 20)]))))
        self.send("ip_bad_csum", self.syn(IP_BAD_CSUM_PORTS + r, bad_csum=True))
        opt_ihl = rng.randrange(6, 16)
        opts = rng.choice([b"\x44\x00", b"\x07\x01", b"\x83\xff", b"\x44\x28"]) + self.junk(2)
        opts = (opts + b"\x01" * 40)[:(opt_ihl - 5) * 4] if rng.randrange(2) else opts
        self.send("ip_bad_options", self.eth_ip(P.ipv4(
            self.hip, self.gip, P.IPPROTO_TCP, good_seg, ident=self.next_id(), ihl=opt_ihl, options=opts)))

        cut = good_seg[:rng.randrange(1, 20)]
        self.send("tcp_trunc", self.eth_ip(P.ipv4(self.hip, self.gip, P.IPPROTO_TCP, cut, ident=self.next_id())))
        seg = P.tcp(self.hip, self.gip, 31000 + r, a.port, rng.randrange(1 << 32), 0, P.ACK | P.PSH,
                    payload=self.junk(8), data_offset=rng.randrange(0, 5))
        self.send("tcp_doff_small", self.eth_ip(P.ipv4(self.hip, self.gip, P.IPPROTO_TCP, seg, ident=self.next_id())))
        seg = P.tcp(self.hip, self.gip, 32000 + r, a.port, rng.randrange(1 << 32), 0, P.ACK | P.PSH,
                    payload=self.junk(4), data_offset=15)
        self.send("tcp_doff_large", self.eth_ip(P.ipv4(self.hip, self.gip, P.IPPROTO_TCP, seg, ident=self.next_id())))
        self.send("tcp_bad_csum", self.syn(TCP_BAD_CSUM_PORTS + r, tcp_bad_csum=True))
        flags = rng.choice([P.SYN | P.FIN, P.SYN | P.RST, 0xFF, 0x00, P.FIN | P.PSH | 0x20])
        seg = P.tcp(self.hip, self.gip, 33000 + r, a.port, rng.randrange(1 << 32), rng.randrange(1 << 32), flags)
        self.send("tcp_flags", self.eth_ip(P.ipv4(self.hip, self.gip, P.IPPROTO_TCP, seg, ident=self.next_id())))

        # Fragments (RFC 791: offset in 8-byte units, MF = 0x2000). None of these datagrams can complete.
        body = self.junk(64)
        self.send("frag_overflow", self.eth_ip(P.ipv4(
            self.hip, self.gip, P.IPPROTO_UDP, body, ident=self.next_id(), flags_frag=0x2000 | 0x1FFF)))
        ident = self.next_id()
        self.send("frag_overlap", self.eth_ip(P.ipv4(
            self.hip, self.gip, P.IPPROTO_UDP, self.junk(48), ident=ident, flags_frag=0x2000 | 0)))
        self.send("frag_overlap", self.eth_ip(P.ipv4(
            self.hip, self.gip, P.IPPROTO_UDP, self.junk(48), ident=ident, flags_frag=0x2000 | 2)))
        self.send("frag_orphan", self.eth_ip(P.ipv4(
            self.hip, self.gip, P.IPPROTO_UDP, self.junk(rng.randrange(1, 200)), ident=self.next_id(),
            flags_frag=0x2000 | rng.randrange(1, 100))))
        self.send("frag_tiny", self.eth_ip(P.ipv4(
            self.hip, self.gip, P.IPPROTO_TCP, good_seg[:8], ident=self.next_id(), flags_frag=0x2000)))

        dport = rng.randrange(1024, 65536)
        payload = self.junk(rng.randrange(0, 64))
        ulen = rng.choice([0, 7, 8 + len(payload) + rng.randrange(1, 500)])
        udp = struct.pack("!HHHH", 40000 + r, dport, ulen, 0) + payload
        self.send("udp_bad_len", self.eth_ip(P.ipv4(self.hip, self.gip, P.IPPROTO_UDP, udp, ident=self.next_id())))
        udp = struct.pack("!HHHH", 41000 + r, dport, 8 + len(payload), 0xBEEF) + payload
        self.send("udp_bad_csum", self.eth_ip(P.ipv4(self.hip, self.gip, P.IPPROTO_UDP, udp, ident=self.next_id())))

        arp = struct.pack("!HHBBH6s4s6s4s", 1, P.ETH_P_IP, 6, 4, 1, self.hmac, self.hip, b"\0" * 6, self.gip)
        self.send("arp_trunc", P.ether(self.gmac, self.hmac, P.ETH_P_ARP, arp[:rng.randrange(0, len(arp))]))
        hl, pl = rng.choice([(0, 4), (255, 4), (6, 16)])
        arp = struct.pack("!HHBBH", 1, P.ETH_P_IP, hl, pl, 1) + self.junk(hl + pl + hl + pl if hl < 255 else 40)
        self.send("arp_bad_sizes", P.ether(b"\xff" * 6, self.hmac, P.ETH_P_ARP, arp))


def main():
    ap = argparse.ArgumentParser(description="Inject malformed frames into a guest through a tap.")
    ap.add_argument("--iface", required=True)
    ap.add_argument("--guest-mac", required=True)
    ap.add_argument("--guest-ip", required=True)
    ap.add_argument("--host-ip", required=True)
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    try:
        P.mac_bytes(args.guest_mac)
        P.ip_bytes(args.guest_ip)
        P.ip_bytes(args.host_ip)
    except ValueError as e:
        ap.error(str(e))
    if not 1 <= args.port <= 65535 or not 1 <= args.rounds <= 1000:
        ap.error("--port must be 1..65535 and --rounds 1..1000")
    seed = args.seed if args.seed is not None else random.randrange(1 << 32)
    rng = random.Random(seed)
    try:
        inj = Injector(args, rng)
        cap = P.packet_socket(args.iface, P.ETH_P_IP)
    except OSError as e:
        print("inject_frames: cannot open a packet socket on %s: %s" % (args.iface, e))
        return 1
    cap.setblocking(False)

    answered = {"control": set(), "ip_bad_csum": set(), "tcp_bad_csum": set()}
    ranges = [("control", CONTROL_PORTS), ("ip_bad_csum", IP_BAD_CSUM_PORTS), ("tcp_bad_csum", TCP_BAD_CSUM_PORTS)]

    def drain(until):
        while True:
            left = until - time.monotonic()
            if left <= 0:
                return
            if not select.select([cap], [], [], left)[0]:
                continue
            while True:
                try:
                    frame, addr = cap.recvfrom(65536)
                except BlockingIOError:
                    break
                if addr[2] == socket.PACKET_OUTGOING:
                    continue
                t = P.parse_tcp(frame)
                if not t or t[0] != inj.gip or t[2] != args.port or (t[6] & (P.SYN | P.ACK)) != (P.SYN | P.ACK):
                    continue
                for name, base in ranges:
                    if base <= t[3] < base + args.rounds:
                        answered[name].add(t[3])

    for r in range(args.rounds):
        inj.round(r)
        drain(time.monotonic() + 0.02)
    drain(time.monotonic() + 1.0)
    print("inject_frames: %d frames of %d kinds sent (%d refused by the host), seed %d" %
          (inj.sent, len(inj.kinds), inj.refused, seed))
    bad = len(answered["ip_bad_csum"]) + len(answered["tcp_bad_csum"])
    print("inject_frames: control SYNs answered %d/%d, bad-checksum SYNs answered %d/%d" %
          (len(answered["control"]), args.rounds, bad, 2 * args.rounds))
    return 0 if len(answered["control"]) == args.rounds and bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
