/* SPDX-License-Identifier: BSD-2-Clause */
/* Flow hashing: the transmit queue a frame takes, the same for every frame of one flow. */
#ifndef NET_FLOW_H
#define NET_FLOW_H

#include <mote/types.h>

/*
 * A 32-bit hash of an Ethernet frame's flow: IPv4 or IPv6 addresses and
 * protocol, plus the ports of TCP, UDP, UDP-Lite and SCTP. Frames of one
 * flow hash alike; so do all fragments of a datagram (they are hashed
 * without ports, the later ones carrying none). Frames that are not IP
 * (ARP, ...) hash by their EtherType alone. Never reads past len.
 */
uint32_t net_flow_hash(const uint8_t *frame, size_t len);

/* Which of n queues (n >= 1) a hash picks: the top bits, spread evenly without a division. */
static inline unsigned int net_flow_queue(uint32_t hash, unsigned int n)
{
	return (unsigned int)(((uint64_t)hash * n) >> 32);
}

#endif
