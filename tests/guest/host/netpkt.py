# SPDX-License-Identifier: BSD-2-Clause
# Frame building for the host side of guest network tests: Ethernet, ARP, IPv4 and TCP headers, checksums, a packet socket on a tap.
"""Helpers shared by inject_frames.py and conn_flood.py (imported, not run).

Everything is written from the specifications: Ethernet II framing (IEEE
802.3 with an EtherType), ARP (RFC 826), IPv4 (RFC 791), TCP (RFC 9293,
which replaced RFC 793) and the Internet checksum (RFC 1071).
"""
import ipaddress
import socket
import struct

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
IPPROTO_TCP = 6
IPPROTO_UDP = 17

# TCP flags (RFC 9293 section 3.1)
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def mac_bytes(text):
    """'52:54:00:12:34:56' -> 6 bytes; ValueError naming the text when it is not a MAC."""
    parts = text.split(":")
    if len(parts) != 6 or not all(len(p) == 2 for p in parts):
        raise ValueError("not a MAC address: %r" % text)
    return bytes(int(p, 16) for p in parts)


def ip_bytes(text):
    """'10.0.100.2' -> 4 bytes; ValueError naming the text when it is not an IPv4 address."""
    return ipaddress.IPv4Address(text).packed


def csum(data, total=0):
    """The Internet checksum (RFC 1071): one's complement of the one's-complement sum of 16-bit words."""
    if len(data) % 2:
        data += b"\0"
    total += sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ether(dst, src, ethertype, payload):
    """An Ethernet II frame (no FCS: the tap adds none, and the device takes frames without one)."""
    return dst + src + struct.pack("!H", ethertype) + payload


def arp_reply(src_mac, src_ip, dst_mac, dst_ip):
    """An ARP reply (RFC 826): Ethernet hardware, IPv4 protocol, opcode 2, src_ip is at src_mac."""
    arp = struct.pack("!HHBBH6s4s6s4s", 1, ETH_P_IP, 6, 4, 2, src_mac, src_ip, dst_mac, dst_ip)
    return ether(dst_mac, src_mac, ETH_P_ARP, arp)


def ipv4(src, dst, proto, payload, ident=0, ttl=64, flags_frag=0x4000, total_len=None, ihl=5,
         bad_csum=False, options=b""):
    """An IPv4 header (RFC 791 section 3.1) and payload.

    flags_frag is the 16-bit flags + fragment offset field (default DF);
    total_len overrides the total length (to make it lie); ihl overrides
    the header length in 32-bit words (the header bytes stay 20 + options,
    so that an IHL below 5 or past the options lies too); bad_csum flips
    the header checksum.
    """
    hlen = 20 + len(options)
    if total_len is None:
        total_len = hlen + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", (4 << 4) | (ihl & 0xF), 0, total_len & 0xFFFF, ident & 0xFFFF,
                      flags_frag, ttl, proto, 0, src, dst) + options
    c = csum(hdr)
    if bad_csum:
        c ^= 0x5A5A
    hdr = hdr[:10] + struct.pack("!H", c) + hdr[12:]
    return hdr + payload


def tcp(src_ip, dst_ip, sport, dport, seq, ack, flags, payload=b"", window=65535, options=b"",
        bad_csum=False, data_offset=None):
    """A TCP segment (RFC 9293 section 3.1) with its checksum over the IPv4 pseudo-header.

    data_offset overrides the header length in 32-bit words (to make it lie).
    """
    hlen = 20 + len(options)
    off = hlen // 4 if data_offset is None else data_offset
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, (off & 0xF) << 4,
                      flags, window, 0, 0) + options
    seg = hdr + payload
    pseudo = src_ip + dst_ip + struct.pack("!BBH", 0, IPPROTO_TCP, len(seg))
    c = csum(pseudo + seg)
    if bad_csum:
        c ^= 0x1234
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def mss_option(mss=1460):
    """The MSS option (kind 2, length 4), as a SYN carries it."""
    return struct.pack("!BBH", 2, 4, mss)


def packet_socket(iface, proto=ETH_P_ALL):
    """A raw packet socket bound to iface: frames sent go out of the tap, that is to the guest."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))
    s.bind((iface, proto))
    return s


def parse_arp_request(frame):
    """(sender MAC, sender IP, target IP) of an ARP request frame, else None."""
    if len(frame) < 42 or struct.unpack("!H", frame[12:14])[0] != ETH_P_ARP:
        return None
    htype, ptype, hlen, plen, op = struct.unpack("!HHBBH", frame[14:22])
    if htype != 1 or ptype != ETH_P_IP or hlen != 6 or plen != 4 or op != 1:
        return None
    return frame[22:28], frame[28:32], frame[38:42]


def parse_tcp(frame):
    """(src IP, dst IP, sport, dport, seq, ack, flags) of an Ethernet/IPv4/TCP frame, else None."""
    if len(frame) < 14 + 20 or struct.unpack("!H", frame[12:14])[0] != ETH_P_IP:
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0xF) * 4
    if ip[0] >> 4 != 4 or ihl < 20 or ip[9] != IPPROTO_TCP or len(ip) < ihl + 20:
        return None
    sport, dport, seq, ack, _, flags = struct.unpack("!HHIIBB", ip[ihl:ihl + 14])
    return ip[12:16], ip[16:20], sport, dport, seq, ack, flags
