/* SPDX-License-Identifier: BSD-2-Clause */
/* The raw netdev in a booted guest: ARP and ICMP echo with QEMU's user-mode gateway, by interrupt and polled. */
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "kernel/completion.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "lib/string.h"
#include "net/netdev.h"

/* QEMU's user networking (slirp): we are 10.0.2.15, the gateway 10.0.2.2 answers ARP and echo itself. */
#define GUEST_IP	0x0a00020fu
#define GATEWAY_IP	0x0a000202u
#define WAIT_NS		((uint64_t)2000 * 1000000)

#define ETH_HLEN	14
#define ETH_ZLEN	60	/* shortest frame without its FCS */
#define ETH_P_IP	0x0800
#define ETH_P_ARP	0x0806
#define ARP_LEN		28
#define ARP_REQUEST	1
#define ARP_REPLY	2
#define IP_HLEN		20
#define IPPROTO_ICMP	1
#define ICMP_HLEN	8
#define ICMP_ECHO_REPLY	0
#define ICMP_ECHO	8
#define PING_ID		0x4d54	/* "MT" */
#define PING_DATA	56

static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

/*
 * The Internet checksum (RFC 1071): the one's-complement of the
 * one's-complement sum of the data as big-endian 16-bit words, an odd last
 * byte padded with zero. Summing a block that holds its own checksum
 * gives 0 when it is right.
 */
static uint16_t inet_csum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (; n > 1; p += 2, n -= 2)
		sum += get16(p);
	if (n)
		sum += (uint32_t)p[0] << 8;
	/* Folding the carries back in is what makes the sum one's-complement. */
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint8_t *eth_header(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, type);
	return f + ETH_HLEN;
}

/* A new netbuf with room for len frame bytes, zeroed (short frames are padded with zeros). */
static struct netbuf *frame_alloc(struct netdev *d, uint16_t len)
{
	struct netbuf *b = netbuf_alloc();

	if (!b)
		return NULL;
	if (b->off < d->tx_headroom) {
		netbuf_free(b);
		return NULL;
	}
	b->len = len < ETH_ZLEN ? ETH_ZLEN : len;
	memset(b->buf + b->off, 0, b->len);
	return b;
}

static bool send_frame(struct netdev *d, struct netbuf *b)
{
	if (d->tx_burst(d, &b, 1) == 1)
		return true;
	netbuf_free(b);
	return false;
}

static bool send_arp(struct netdev *d, uint16_t op, const uint8_t *eth_dst, const uint8_t *tha,
		     uint32_t tpa)
{
	struct netbuf *b = frame_alloc(d, ETH_HLEN + ARP_LEN);
	uint8_t *a;

	if (!b)
		return false;
	a = eth_header(b->buf + b->off, eth_dst, d->mac, ETH_P_ARP);
	put16(a, 1);		/* Ethernet */
	put16(a + 2, ETH_P_IP);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, d->mac, 6);
	put32(a + 14, GUEST_IP);
	memcpy(a + 18, tha, 6);
	put32(a + 24, tpa);
	return send_frame(d, b);
}

static uint8_t ping_byte(uint16_t seq, unsigned int i)
{
	return (uint8_t)(i * 7 + seq);
}

static bool send_ping(struct netdev *d, const uint8_t *gw_mac, uint16_t seq)
{
	struct netbuf *b = frame_alloc(d, ETH_HLEN + IP_HLEN + ICMP_HLEN + PING_DATA);
	uint8_t *ip, *icmp;

	if (!b)
		return false;
	ip = eth_header(b->buf + b->off, gw_mac, d->mac, ETH_P_IP);
	ip[0] = 0x45;		/* version 4, 5 words of header */
	put16(ip + 2, IP_HLEN + ICMP_HLEN + PING_DATA);
	put16(ip + 4, seq);	/* identification */
	ip[8] = 64;		/* TTL */
	ip[9] = IPPROTO_ICMP;
	put32(ip + 12, GUEST_IP);
	put32(ip + 16, GATEWAY_IP);
	put16(ip + 10, inet_csum(ip, IP_HLEN));
	icmp = ip + IP_HLEN;
	icmp[0] = ICMP_ECHO;
	put16(icmp + 4, PING_ID);
	put16(icmp + 6, seq);
	for (unsigned int i = 0; i < PING_DATA; i++)
		icmp[ICMP_HLEN + i] = ping_byte(seq, i);
	put16(icmp + 2, inet_csum(icmp, ICMP_HLEN + PING_DATA));
	return send_frame(d, b);
}

struct expect {
	bool arp;		/* an ARP reply from the gateway; else an echo reply with seq */
	uint16_t seq;
	uint8_t gw_mac[6];	/* filled from the ARP reply */
	unsigned int arp_answered;
};

static bool is_arp(const uint8_t *f, size_t len, uint16_t op)
{
	const uint8_t *a = f + ETH_HLEN;

	return len >= ETH_HLEN + ARP_LEN && get16(f + 12) == ETH_P_ARP && get16(a) == 1 &&
	       get16(a + 2) == ETH_P_IP && a[4] == 6 && a[5] == 4 && get16(a + 6) == op;
}

static bool match(struct netdev *d, const uint8_t *f, size_t len, struct expect *e)
{
	const uint8_t *ip = f + ETH_HLEN, *icmp;
	size_t iplen;

	if (memcmp(f, d->mac, 6) != 0 && memcmp(f, broadcast, 6) != 0)
		return false;
	if (e->arp) {
		if (!is_arp(f, len, ARP_REPLY) || get32(ip + 14) != GATEWAY_IP ||
		    get32(ip + 24) != GUEST_IP)
			return false;
		memcpy(e->gw_mac, ip + 8, 6);
		return true;
	}
	if (len < ETH_HLEN + IP_HLEN + ICMP_HLEN || get16(f + 12) != ETH_P_IP || ip[0] != 0x45 ||
	    ip[9] != IPPROTO_ICMP || get32(ip + 12) != GATEWAY_IP || get32(ip + 16) != GUEST_IP)
		return false;
	iplen = get16(ip + 2);
	if (iplen != IP_HLEN + ICMP_HLEN + PING_DATA || len < ETH_HLEN + iplen)
		return false;
	icmp = ip + IP_HLEN;
	if (icmp[0] != ICMP_ECHO_REPLY || get16(icmp + 4) != PING_ID || get16(icmp + 6) != e->seq)
		return false;
	/* From here it is our reply: anything wrong in it is a failure, not someone else's packet. */
	if (inet_csum(ip, IP_HLEN) != 0 || inet_csum(icmp, ICMP_HLEN + PING_DATA) != 0) {
		printk("ktest: net_raw: echo reply %u with a bad checksum\n", e->seq);
		return false;
	}
	for (unsigned int i = 0; i < PING_DATA; i++)
		if (icmp[ICMP_HLEN + i] != ping_byte(e->seq, i)) {
			printk("ktest: net_raw: echo reply %u with wrong data at byte %u\n", e->seq, i);
			return false;
		}
	return true;
}

struct rx_wait {
	struct completion arrived;
	unsigned int notifies;
};

/* Interrupt context: only wakes the test thread. */
static void rx_notify(struct netdev *d)
{
	struct rx_wait *w = d->rx_notify_arg;

	w->notifies++;
	complete(&w->arrived);
}

/*
 * Receives until a frame matches e or the deadline passes; the gateway may
 * ask for our address meanwhile, and gets an answer. w NULL: poll mode.
 */
static int await(struct netdev *d, struct rx_wait *w, struct expect *e, uint64_t deadline)
{
	for (;;) {
		struct netbuf *bufs[16];
		unsigned int n = d->rx_burst(d, bufs, 16);
		bool found = false;

		for (unsigned int i = 0; i < n; i++) {
			const uint8_t *f = bufs[i]->buf + bufs[i]->off;

			if (!found && match(d, f, bufs[i]->len, e))
				found = true;
			else if (is_arp(f, bufs[i]->len, ARP_REQUEST) &&
				 get32(f + ETH_HLEN + 24) == GUEST_IP &&
				 send_arp(d, ARP_REPLY, f + 6, f + ETH_HLEN + 8, get32(f + ETH_HLEN + 14)))
				e->arp_answered++;
			netbuf_free(bufs[i]);
		}
		if (found)
			return 0;
		if (n == 16)
			continue;	/* the ring may hold more */
		if (time_monotonic_ns() >= deadline)
			return -ETIMEDOUT;
		if (w)
			(void)wait_for_completion_timeout(&w->arrived, deadline);
		else
			cpu_relax();
	}
}

static uint64_t ping(struct netdev *d, struct rx_wait *w, struct expect *e, uint16_t seq, int *failures)
{
	uint64_t t0 = time_monotonic_ns();
	int r;

	e->arp = false;
	e->seq = seq;
	if (!send_ping(d, e->gw_mac, seq)) {
		printk("ktest: net_raw: echo request %u not transmitted\n", seq);
		(*failures)++;
		return 0;
	}
	r = await(d, w, e, t0 + WAIT_NS);
	if (r) {
		printk("ktest: net_raw: no echo reply %u within %lu ms\n", seq, WAIT_NS / 1000000);
		(*failures)++;
		return 0;
	}
	return (time_monotonic_ns() - t0) / 1000;
}

KTEST(net_raw)
{
	static const uint8_t zero_mac[6];
	struct netdev *d = netdev_find("eth0");
	struct rx_wait w = { .notifies = 0 };
	struct expect e = { .arp = true };
	unsigned int polled_notifies;
	uint64_t us, polled_us, deadline;
	int failures = 0;

	KCHECK(d != NULL);
	if (!d)
		return failures;
	printk("ktest: net_raw: %s MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u, link %s\n", d->name,
	       d->mac[0], d->mac[1], d->mac[2], d->mac[3], d->mac[4], d->mac[5], d->mtu,
	       d->link_up ? "up" : "down");
	KCHECK(d->link_up);
	KCHECK(d->mtu >= 576);

	/* Interrupt mode: the receive interrupt wakes us. */
	completion_init(&w.arrived);
	netdev_set_rx_notify(d, rx_notify, &w);
	deadline = time_monotonic_ns() + WAIT_NS;
	KCHECK(send_arp(d, ARP_REQUEST, broadcast, zero_mac, GATEWAY_IP));
	if (await(d, &w, &e, deadline)) {
		printk("ktest: net_raw: no ARP reply from 10.0.2.2 within %lu ms\n", WAIT_NS / 1000000);
		failures++;
		netdev_set_rx_notify(d, NULL, NULL);
		return failures;
	}
	us = ping(d, &w, &e, 1, &failures);
	KCHECK(w.notifies > 0);
	printk("ktest: net_raw: gateway %02x:%02x:%02x:%02x:%02x:%02x, echo reply in %lu us\n",
	       e.gw_mac[0], e.gw_mac[1], e.gw_mac[2], e.gw_mac[3], e.gw_mac[4], e.gw_mac[5], us);

	/* Poll mode, interrupts off altogether: nothing but rx_burst can bring the reply. */
	netdev_set_rx_notify(d, NULL, NULL);
	polled_notifies = w.notifies;
	irq_disable();
	polled_us = ping(d, NULL, &e, 2, &failures);
	irq_enable();
	KCHECK(w.notifies == polled_notifies);
	printk("ktest: net_raw: polled echo reply in %lu us; %u interrupts, %u ARP requests answered; "
	       "rx %lu packets (%lu dropped, %lu errors), tx %lu (%lu errors)\n",
	       polled_us, w.notifies, e.arp_answered, d->stats.rx_packets, d->stats.rx_dropped,
	       d->stats.rx_errors, d->stats.tx_packets, d->stats.tx_errors);
	KCHECK(d->stats.rx_errors == 0 && d->stats.tx_errors == 0);
	return failures;
}
