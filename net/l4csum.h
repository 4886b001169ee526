/* SPDX-License-Identifier: BSD-2-Clause */
/* Where an Ethernet frame's TCP or UDP checksum lies, and what its pseudo-header adds up to: for checksum offload either way. */
#ifndef NET_L4CSUM_H
#define NET_L4CSUM_H

#include <mote/types.h>

/*
 * For a frame of len bytes: the checksum's place (start counted from the
 * frame's first byte, offset within the transport header) and the sum of
 * its pseudo-header's 16-bit words (not folded), or false for anything a
 * device cannot finish or vouch for alone: not IP, not TCP or UDP right
 * after the IP header (IPv6 extension headers are left to the stack), or
 * an IPv4 fragment (the checksum covers the whole datagram, which no one
 * fragment holds). The length in the pseudo-header is the IP header's.
 * Pseudo-headers: RFC 9293 §3.1 and RFC 768 (IPv4), RFC 8200 §8.1 (IPv6).
 */
bool l4csum_place(const uint8_t *f, size_t len, uint16_t *start, uint16_t *offset, uint32_t *pseudo);

#endif
