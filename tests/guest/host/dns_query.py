#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Asks a DNS server directly (no /etc/hosts, no cache) for a name's IPv4 addresses, as QEMU's user-mode DNS proxy would.
"""usage: dns_query.py NAME [SERVER]

Sends one recursive A query for NAME over UDP to SERVER (default: the
first IPv4 `nameserver` of /etc/resolv.conf, which is where QEMU's
user-mode network, libslirp, forwards the guest's queries to 10.0.2.3)
and prints each IPv4 address of the answer on its own line. Exits 0 with
at least one address; 1 (with the reason on stderr) when the server does
not answer within 3 s (twice), answers with an error, or has no A
record; 2 on bad arguments. The message format is RFC 1035 section 4.
"""
import ipaddress
import random
import socket
import struct
import sys


def resolver():
    try:
        with open("/etc/resolv.conf") as f:
            for line in f:
                w = line.split()
                if len(w) >= 2 and w[0] == "nameserver":
                    try:
                        ipaddress.IPv4Address(w[1])
                        return w[1]
                    except ValueError:
                        continue
    except OSError:
        pass
    return None


def skip_name(msg, off):
    """The offset after the (possibly compressed) domain name at off (RFC 1035 section 4.1.4)."""
    while True:
        n = msg[off]
        if n == 0:
            return off + 1
        if n & 0xC0 == 0xC0:
            return off + 2
        off += 1 + n


def main():
    if len(sys.argv) not in (2, 3) or not sys.argv[1] or len(sys.argv[1]) > 253:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    name = sys.argv[1].rstrip(".")
    server = sys.argv[2] if len(sys.argv) == 3 else resolver()
    if not server:
        print("dns_query: no IPv4 nameserver in /etc/resolv.conf", file=sys.stderr)
        return 1
    labels = name.split(".")
    if any(not 0 < len(x) < 64 for x in labels):
        print("dns_query: %r is not a domain name" % name, file=sys.stderr)
        return 2
    tid = random.randrange(65536)
    q = struct.pack("!HHHHHH", tid, 0x0100, 1, 0, 0, 0)       # RD set, one question
    q += b"".join(bytes([len(x)]) + x.encode() for x in labels) + b"\0" + struct.pack("!HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    msg = None
    for _ in range(2):
        try:
            s.sendto(q, (server, 53))
            while True:
                msg, _ = s.recvfrom(4096)
                if len(msg) >= 12 and struct.unpack("!H", msg[:2])[0] == tid:
                    break
            break
        except socket.timeout:
            msg = None
        except OSError as e:
            print("dns_query: %s: %s" % (server, e), file=sys.stderr)
            return 1
    if msg is None:
        print("dns_query: no answer from %s" % server, file=sys.stderr)
        return 1
    flags, qd, an = struct.unpack("!HHH", msg[2:8])
    if flags & 0xF:
        print("dns_query: %s answers %s with rcode %d" % (server, name, flags & 0xF), file=sys.stderr)
        return 1
    try:
        off = 12
        for _ in range(qd):
            off = skip_name(msg, off) + 4
        addrs = []
        for _ in range(an):
            off = skip_name(msg, off)
            rtype, rclass, _, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
            off += 10
            if rtype == 1 and rclass == 1 and rdlen == 4:
                addrs.append(socket.inet_ntoa(msg[off:off + 4]))
            off += rdlen
    except (IndexError, struct.error):
        print("dns_query: a malformed answer from %s" % server, file=sys.stderr)
        return 1
    if not addrs:
        print("dns_query: %s has no A record for %s" % (server, name), file=sys.stderr)
        return 1
    for a in addrs:
        print(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
