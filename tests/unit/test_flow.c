/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit test for net/flow: one flow one hash, fragments together, flows spread over queues, no read past the frame. */

#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net/flow.h"
#include "tests/unit/check.h"
#include "tests/unit/xorshift.h"

#define ETH_HLEN	14

static void put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* An IPv4 frame (optionally behind one 802.1Q tag) with the given ports; returns its length. */
static size_t ipv4_frame(uint8_t *f, bool vlan, uint8_t proto, uint32_t src, uint32_t dst,
			 unsigned int sport, unsigned int dport, unsigned int frag)
{
	size_t off = ETH_HLEN;
	uint8_t *ip;

	memset(f, 0, 128);
	memset(f, 0x52, 12);
	if (vlan) {
		put16(f + 12, 0x8100);
		put16(f + 14, 42);	/* the tag's VLAN id */
		off += 4;
	}
	put16(f + off - 2, 0x0800);
	ip = f + off;
	ip[0] = 0x45;
	put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 20, sport);
	put16(ip + 22, dport);
	/* A payload byte that differs per call must not matter. */
	ip[28] = (uint8_t)rnd();
	return off + 20 + 8 + 16;
}

static size_t ipv6_frame(uint8_t *f, uint8_t proto, uint8_t last_addr_byte, unsigned int sport)
{
	uint8_t *ip = f + ETH_HLEN;

	memset(f, 0, 128);
	put16(f + 12, 0x86dd);
	ip[0] = 0x60;
	ip[6] = proto;
	ip[8] = 0xfd;
	ip[23] = 1;
	ip[24] = 0xfd;
	ip[39] = last_addr_byte;
	put16(ip + 40, sport);
	put16(ip + 42, 53);
	return ETH_HLEN + 40 + 8;
}

/* Hashes a copy of exactly len bytes on the heap, so that ASan sees any read past the end. */
static uint32_t hash_exact(const uint8_t *f, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	uint32_t h;

	memcpy(copy, f, len);
	h = net_flow_hash(copy, len);
	free(copy);
	return h;
}

int main(void)
{
	uint8_t f[128], g[128];
	size_t n, m;
	unsigned int count[4] = { 0 };
	int same_queue = 0;

	/* One flow, one hash, whatever else the frame holds. */
	n = ipv4_frame(f, false, 17, 0x0a000002, 0x0a000001, 40000, 7, 0);
	m = ipv4_frame(g, false, 17, 0x0a000002, 0x0a000001, 40000, 7, 0);
	CHECK_EQ(net_flow_hash(f, n), net_flow_hash(g, m));
	CHECK_EQ(net_flow_hash(f, n), net_flow_hash(f, n - 10));
	/* Another port, address or protocol: another hash (for these values). */
	m = ipv4_frame(g, false, 17, 0x0a000002, 0x0a000001, 40001, 7, 0);
	CHECK(net_flow_hash(f, n) != net_flow_hash(g, m));
	m = ipv4_frame(g, false, 17, 0x0a000002, 0x0a000001, 40000, 8, 0);
	CHECK(net_flow_hash(f, n) != net_flow_hash(g, m));
	m = ipv4_frame(g, false, 17, 0x0a000003, 0x0a000001, 40000, 7, 0);
	CHECK(net_flow_hash(f, n) != net_flow_hash(g, m));
	m = ipv4_frame(g, false, 6, 0x0a000002, 0x0a000001, 40000, 7, 0);
	CHECK(net_flow_hash(f, n) != net_flow_hash(g, m));
	/* A VLAN tag does not change the flow. */
	m = ipv4_frame(g, true, 17, 0x0a000002, 0x0a000001, 40000, 7, 0);
	CHECK_EQ(net_flow_hash(f, n), net_flow_hash(g, m));

	/* Fragments of one datagram hash alike: the first (MF) and a later one, whose "ports" are data. */
	n = ipv4_frame(f, false, 17, 0x0a000002, 0x0a000001, 40000, 7, 0x2000);
	m = ipv4_frame(g, false, 17, 0x0a000002, 0x0a000001, 0x1234, 0x5678, 0x00b9);
	CHECK_EQ(net_flow_hash(f, n), net_flow_hash(g, m));
	/* ICMP has no ports: the bytes where ports would be do not count. */
	n = ipv4_frame(f, false, 1, 0x0a000002, 0x0a000001, 0x0800, 1, 0);
	m = ipv4_frame(g, false, 1, 0x0a000002, 0x0a000001, 0x0800, 2, 0);
	CHECK_EQ(net_flow_hash(f, n), net_flow_hash(g, m));

	/* IPv6: ports count for UDP, addresses always. */
	n = ipv6_frame(f, 17, 1, 5000);
	m = ipv6_frame(g, 17, 1, 5000);
	CHECK_EQ(net_flow_hash(f, n), net_flow_hash(g, m));
	m = ipv6_frame(g, 17, 1, 5001);
	CHECK(net_flow_hash(f, n) != net_flow_hash(g, m));
	m = ipv6_frame(g, 17, 2, 5000);
	CHECK(net_flow_hash(f, n) != net_flow_hash(g, m));

	/* Not IP: ARP frames all take one queue. */
	memset(f, 0, sizeof(f));
	put16(f + 12, 0x0806);
	memset(g, 0xab, sizeof(g));
	put16(g + 12, 0x0806);
	CHECK_EQ(net_flow_hash(f, 42), net_flow_hash(g, 60));

	/* Short and truncated frames: any length is safe (ASan checks the reads). */
	n = ipv4_frame(f, true, 6, 1, 2, 3, 4, 0);
	for (size_t len = 0; len <= n; len++)
		(void)hash_exact(f, len);
	n = ipv6_frame(f, 6, 9, 80);
	for (size_t len = 0; len <= n; len++)
		(void)hash_exact(f, len);

	/* 4000 UDP flows from random ports over 4 queues: each gets 20-30%, none is favoured. */
	for (int i = 0; i < 4000; i++) {
		unsigned int sport = (unsigned int)(rnd() & 0xffff);

		n = ipv4_frame(f, false, 17, 0x0a000002, 0x0a000001, sport, 7, 0);
		count[net_flow_queue(net_flow_hash(f, n), 4)]++;
	}
	for (int q = 0; q < 4; q++) {
		CHECK(count[q] >= 800 && count[q] <= 1200);
		if (count[q] < 800 || count[q] > 1200)
			fprintf(stderr, "queue %d got %u of 4000 flows\n", q, count[q]);
	}
	/* Consecutive ports (a client's successive connections) spread too. */
	for (unsigned int p = 40000; p < 40016; p++) {
		n = ipv4_frame(f, false, 17, 0x0a000002, 0x0a000001, p, 7, 0);
		m = ipv4_frame(g, false, 17, 0x0a000002, 0x0a000001, p + 1, 7, 0);
		same_queue += net_flow_queue(net_flow_hash(f, n), 4) ==
			      net_flow_queue(net_flow_hash(g, m), 4);
	}
	CHECK(same_queue < 10);
	/* net_flow_queue covers every queue and never goes past the last. */
	CHECK_EQ(net_flow_queue(0, 4), 0);
	CHECK_EQ(net_flow_queue(0xffffffffu, 4), 3);
	CHECK_EQ(net_flow_queue(0xffffffffu, 1), 0);
	return check_done("flow");
}
