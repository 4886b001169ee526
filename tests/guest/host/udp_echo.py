#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# UDP echo for guest network tests: sends every datagram back to its sender, checks checksums on the wire, reports when stopped.
"""usage: udp_echo.py [--iface TAP] [--seconds N] ADDRESS PORT_FILE

Binds ADDRESS on a free UDP port and writes that port to PORT_FILE
(atomically), then echoes every datagram to its sender until SIGTERM or
SIGINT, or N seconds (default 600, so that a forgotten server does not live
for ever). At the end it prints one line on stdout:

  udp_echo: N datagrams from M source ports[, C checked, B with a bad checksum]

--iface TAP also reads the interface's incoming frames from a packet socket
with a virtio-net header (PACKET_VNET_HDR) and checks the UDP checksum of
every datagram for our port. That check is needed because a datagram from
a guest whose checksum was left to the device (VIRTIO_NET_F_CSUM) reaches
the host's sockets unchecked: the kernel trusts a partial checksum and
never completes it for local delivery. So it is completed here, from
csum_start and csum_offset as a device would, and then verified; a wrong
offset in the guest's header leaves a wrong checksum. Frames without a
partial checksum are verified as they are.
"""
import argparse
import os
import select
import signal
import socket
import struct
import sys

ETH_P_IP = 0x0800
SOL_PACKET = 263
PACKET_VNET_HDR = 15
PACKET_OUTGOING = 4
VNET_HDR_LEN = 10           # struct virtio_net_hdr without num_buffers
VIRTIO_NET_HDR_F_NEEDS_CSUM = 1


class Stop(Exception):
    pass


def stop(signum, frame):
    raise Stop()


def csum_add(data, total=0):
    """One's-complement sum of big-endian 16-bit words (RFC 1071), an odd last byte padded with 0."""
    if len(data) % 2:
        data = data + b"\0"
    for (word,) in struct.iter_unpack("!H", data):
        total += word
    return total


def csum_fold(total):
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


class WireCheck:
    """Checks the UDP checksum of the datagrams to (address, port) arriving on a tap."""

    def __init__(self, iface, address):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
        self.sock.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
        self.sock.bind((iface, ETH_P_IP))
        self.sock.setblocking(False)
        self.address = socket.inet_aton(address)
        self.port = None
        self.checked = 0
        self.bad = 0

    def frame(self, data, pkttype):
        if pkttype == PACKET_OUTGOING or len(data) < VNET_HDR_LEN + 14 + 20 + 8:
            return
        flags, _gso, _hdr_len, _gso_size, start, offset = struct.unpack_from("<BBHHHH", data)
        frame = bytearray(data[VNET_HDR_LEN:])
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[0] >> 4 != 4 or ip[9] != socket.IPPROTO_UDP or ip[16:20] != self.address:
            return
        ip_len = struct.unpack_from("!H", ip, 2)[0]
        udp_at = 14 + ihl
        if ip_len < ihl + 8 or 14 + ip_len > len(frame):
            self.checked += 1
            self.bad += 1
            return
        if struct.unpack_from("!H", frame, udp_at + 2)[0] != self.port:
            return
        end = 14 + ip_len   # not the frame's end: short frames carry Ethernet padding
        self.checked += 1
        if flags & VIRTIO_NET_HDR_F_NEEDS_CSUM:
            # What a device does with a partial checksum (virtio 1.2 §5.1.6.2).
            if start + offset + 2 > end:
                self.bad += 1
                return
            value = (~csum_fold(csum_add(bytes(frame[start:end])))) & 0xFFFF
            struct.pack_into("!H", frame, start + offset, value)
        udp = bytes(frame[udp_at:end])
        pseudo = bytes(ip[12:20]) + struct.pack("!BBH", 0, socket.IPPROTO_UDP, len(udp))
        if struct.unpack_from("!H", udp, 6)[0] == 0 or csum_fold(csum_add(pseudo + udp)) != 0xFFFF:
            self.bad += 1

    def drain(self):
        while True:
            try:
                data, addr = self.sock.recvfrom(65536)
            except BlockingIOError:
                return
            self.frame(data, addr[2])


def main():
    parser = argparse.ArgumentParser(usage=__doc__.split("\n")[0][7:])
    parser.add_argument("--iface")
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("address")
    parser.add_argument("port_file")
    args = parser.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Room for a burst from the guest while we are echoing the previous one.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    sock.bind((args.address, 0))
    port = sock.getsockname()[1]
    wire = None
    if args.iface:
        wire = WireCheck(args.iface, args.address)
        wire.port = port
    # The port file says "ready": every socket is open by now.
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(args.port_file + ".tmp", args.port_file)

    count, ports = 0, set()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGALRM, stop)
    signal.alarm(args.seconds)
    readers = [sock] + ([wire.sock] if wire else [])
    try:
        while True:
            ready, _, _ = select.select(readers, [], [])
            if sock in ready:
                data, peer = sock.recvfrom(65535)
                count += 1
                ports.add(peer[1])
                sock.sendto(data, peer)
            if wire and wire.sock in ready:
                wire.drain()
    except Stop:
        pass
    line = "udp_echo: %d datagrams from %d source ports" % (count, len(ports))
    if wire:
        wire.drain()
        line += ", %d checked, %d with a bad checksum" % (wire.checked, wire.bad)
    print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
