/* SPDX-License-Identifier: BSD-2-Clause */
/* The raw netdev in a booted guest: ICMP echo with QEMU's user gateway; UDP echo over a host tap, several queues, checksum offload. */
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "kernel/completion.h"
#include "kernel/ktest.h"
#include "kernel/init.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "lib/cmdline.h"
#include "lib/string.h"
#include "net/flow.h"
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
/* Our IPv4 address: slirp's guest address, or the one net_tap is given. */
static uint32_t my_ip = GUEST_IP;

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
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2)
		sum += get16(p);
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

/* Folding the carries back in is what makes the sum one's-complement. */
static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint16_t inet_csum(const uint8_t *p, size_t n)
{
	return (uint16_t)~csum_fold(csum_add(0, p, n));
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
	put32(a + 14, my_ip);
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
	bool arp;		/* an ARP reply from peer_ip; else an echo reply with seq */
	uint32_t peer_ip;
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
		if (!is_arp(f, len, ARP_REPLY) || get32(ip + 14) != e->peer_ip ||
		    get32(ip + 24) != my_ip)
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

/* Answers an ARP request for our address (peers ask while they talk to us): true if f was one. */
static bool answer_arp(struct netdev *d, const uint8_t *f, size_t len, unsigned int *answered)
{
	if (!is_arp(f, len, ARP_REQUEST) || get32(f + ETH_HLEN + 24) != my_ip)
		return false;
	if (send_arp(d, ARP_REPLY, f + 6, f + ETH_HLEN + 8, get32(f + ETH_HLEN + 14)))
		(*answered)++;
	return true;
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
			else
				answer_arp(d, f, bufs[i]->len, &e->arp_answered);
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
	struct expect e = { .arp = true, .peer_ip = GATEWAY_IP };
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

/*
 * net_tap: UDP echo with a host across a tap device (tests/guest/net_tap.sh).
 * The host script gives the addresses and what the device should offer:
 *   net_tap.guest=A.B.C.D net_tap.host=A.B.C.D net_tap.port=N
 *   [net_tap.pairs=N] [net_tap.csum=0|1] [net_tap.rx_csum=0|1]
 * TAP_FLOWS flows (source ports) of TAP_ROUNDS datagrams each go out by
 * interrupt, as many again polled with interrupts off; the host echoes
 * each one. The host kernel drops a datagram whose checksum is wrong, so
 * a missing echo may also mean a bad csum_start/csum_offset.
 */
#define IPPROTO_UDP	17
#define UDP_HLEN	8
#define TAP_FLOWS	16
#define TAP_ROUNDS	4
#define TAP_PER_PHASE	(TAP_FLOWS * TAP_ROUNDS)
#define TAP_DATAGRAMS	(2 * TAP_PER_PHASE)
#define TAP_SPORT_BASE	40000
#define TAP_MAGIC	0x4d6f7465u	/* "Mote" */
#define TAP_WAIT_NS	((uint64_t)10000 * 1000000)

struct tap_test {
	struct netdev *d;
	uint32_t host_ip;
	uint16_t port;
	uint8_t host_mac[6];
	uint16_t sport[TAP_FLOWS];
	bool offload;			/* checksums left to the device */
	bool seen[TAP_DATAGRAMS];
	/* Per flow and receive queue: echoes keep their order within a queue (the device may move a flow). */
	int last_seq[TAP_FLOWS][NETDEV_MAX_QUEUES];
	unsigned int echoes, partial, device_valid, checked_here, arp_answered;
	int failures;
};

/* "a.b.c.d" into a host-order address; false unless it is exactly that. */
static bool parse_ip(const char *s, uint32_t *out)
{
	uint32_t ip = 0;

	for (int part = 0; part < 4; part++) {
		unsigned int v = 0, digits = 0;

		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (unsigned int)(*s++ - '0');
			digits++;
		}
		if (digits == 0 || v > 255 || *s != (part < 3 ? '.' : '\0'))
			return false;
		if (part < 3)
			s++;
		ip = ip << 8 | v;
	}
	*out = ip;
	return true;
}

/* An optional 0/1 or count parameter: -1 when absent. */
static int param_int(const char *key)
{
	uint64_t v;

	return cmdline_get_u64(&kernel_cmdline, key, &v) == 0 && v <= 0x7fffffff ? (int)v : -1;
}

static unsigned int tap_payload_len(unsigned int seq)
{
	return 18 + (seq * 7) % 45;	/* 18..62 bytes: odd lengths too, for the checksum's last byte */
}

static uint8_t tap_byte(unsigned int seq, unsigned int i)
{
	return (uint8_t)(seq * 13 + i * 3 + 1);
}

/* The pseudo-header's share of a UDP checksum over IPv4 (RFC 768). */
static uint32_t udp_pseudo_sum(const uint8_t *ip, unsigned int udp_len)
{
	return csum_add(0, ip + 12, 8) + IPPROTO_UDP + udp_len;
}

static struct netbuf *tap_datagram(struct tap_test *t, unsigned int seq, unsigned int flow)
{
	unsigned int plen = tap_payload_len(seq), udp_len = UDP_HLEN + plen;
	struct netbuf *b = frame_alloc(t->d, (uint16_t)(ETH_HLEN + IP_HLEN + udp_len));
	uint8_t *ip, *udp, *data;

	if (!b)
		return NULL;
	ip = eth_header(b->buf + b->off, t->host_mac, t->d->mac, ETH_P_IP);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(IP_HLEN + udp_len));
	put16(ip + 4, (uint16_t)seq);
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	put32(ip + 12, my_ip);
	put32(ip + 16, t->host_ip);
	put16(ip + 10, inet_csum(ip, IP_HLEN));
	udp = ip + IP_HLEN;
	put16(udp, t->sport[flow]);
	put16(udp + 2, t->port);
	put16(udp + 4, (uint16_t)udp_len);
	data = udp + UDP_HLEN;
	put32(data, TAP_MAGIC);
	put32(data + 4, seq);
	put16(data + 8, (uint16_t)flow);
	for (unsigned int i = 10; i < plen; i++)
		data[i] = tap_byte(seq, i);
	if (t->offload) {
		/* The device sums from csum_start over the field, which holds the pseudo-header sum. */
		put16(udp + 6, csum_fold(udp_pseudo_sum(ip, udp_len)));
		b->csum_needed = true;
		b->csum_start = ETH_HLEN + IP_HLEN;
		b->csum_offset = 6;
	} else {
		uint16_t c = (uint16_t)~csum_fold(csum_add(udp_pseudo_sum(ip, udp_len), udp, udp_len));

		put16(udp + 6, c ? c : 0xffff);	/* RFC 768: a computed 0 is sent as all ones */
	}
	return b;
}

/* Sends one phase: TAP_ROUNDS bursts, each with one datagram of every flow. */
static unsigned int tap_send_phase(struct tap_test *t, unsigned int base)
{
	unsigned int sent = 0;

	for (unsigned int round = 0; round < TAP_ROUNDS; round++) {
		struct netbuf *bufs[TAP_FLOWS];
		unsigned int n = 0, done = 0;
		uint64_t deadline = time_monotonic_ns() + TAP_WAIT_NS;

		for (unsigned int f = 0; f < TAP_FLOWS; f++) {
			struct netbuf *b = tap_datagram(t, base + round * TAP_FLOWS + f, f);

			if (b)
				bufs[n++] = b;
		}
		/* The flows land on different queues: one call feeds them all. */
		while (done < n && time_monotonic_ns() < deadline)
			done += t->d->tx_burst(t->d, bufs + done, n - done);
		for (unsigned int i = done; i < n; i++)
			netbuf_free(bufs[i]);
		sent += done;
	}
	return sent;
}

/* One received frame: an echo of ours is checked in full; anything wrong in it is a failure. */
static void tap_receive(struct tap_test *t, struct netbuf *b)
{
	uint8_t *f = b->buf + b->off, *ip = f + ETH_HLEN, *udp, *data;
	unsigned int len = b->len, iplen, udp_len, seq, flow, plen;
	uint16_t dport;

	if (answer_arp(t->d, f, len, &t->arp_answered))
		return;
	if (len < ETH_HLEN + IP_HLEN + UDP_HLEN || memcmp(f, t->d->mac, 6) != 0 ||
	    get16(f + 12) != ETH_P_IP || ip[0] != 0x45 || ip[9] != IPPROTO_UDP ||
	    get32(ip + 12) != t->host_ip || get32(ip + 16) != my_ip || get16(ip + IP_HLEN) != t->port)
		return;		/* not an echo: IPv6 neighbour discovery and the like */
	udp = ip + IP_HLEN;
	dport = get16(udp + 2);
	iplen = get16(ip + 2);
	udp_len = get16(udp + 4);
	data = udp + UDP_HLEN;
	if (iplen > len - ETH_HLEN || udp_len != iplen - IP_HLEN || udp_len < UDP_HLEN + 10 ||
	    get32(data) != TAP_MAGIC) {
		printk("ktest: net_tap: malformed echo to port %u (%u bytes)\n", dport, len);
		t->failures++;
		return;
	}
	seq = get32(data + 4);
	flow = get16(data + 8);
	plen = udp_len - UDP_HLEN;
	if (seq >= TAP_DATAGRAMS || flow >= TAP_FLOWS || dport != t->sport[flow] ||
	    plen != tap_payload_len(seq)) {
		printk("ktest: net_tap: echo with seq %u flow %u port %u length %u is none we sent\n", seq,
		       flow, dport, plen);
		t->failures++;
		return;
	}
	for (unsigned int i = 10; i < plen; i++)
		if (data[i] != tap_byte(seq, i)) {
			printk("ktest: net_tap: echo %u with wrong data at byte %u\n", seq, i);
			t->failures++;
			return;
		}
	if (inet_csum(ip, IP_HLEN) != 0) {
		printk("ktest: net_tap: echo %u with a bad IP header checksum\n", seq);
		t->failures++;
		return;
	}
	if (b->csum_needed) {
		/* A partial checksum (§5.1.6.4): it must name the UDP field; complete it as a stack would. */
		uint16_t c;

		if (b->csum_start != ETH_HLEN + IP_HLEN || b->csum_offset != 6) {
			printk("ktest: net_tap: echo %u: partial checksum at %u+%u, not at the UDP field\n",
			       seq, b->csum_start, b->csum_offset);
			t->failures++;
			return;
		}
		c = (uint16_t)~csum_fold(csum_add(0, udp, udp_len));
		put16(udp + 6, c ? c : 0xffff);
		t->partial++;
	} else if (b->csum_valid) {
		t->device_valid++;
	} else {
		t->checked_here++;
	}
	/* Checked here in every case: a device that vouches for a wrong checksum is caught too. */
	if (get16(udp + 6) == 0 || csum_fold(csum_add(udp_pseudo_sum(ip, udp_len), udp, udp_len)) != 0xffff) {
		printk("ktest: net_tap: echo %u with a bad UDP checksum %#x\n", seq, get16(udp + 6));
		t->failures++;
		return;
	}
	if (t->seen[seq]) {
		printk("ktest: net_tap: echo %u twice\n", seq);
		t->failures++;
		return;
	}
	if ((int)seq < t->last_seq[flow][b->queue % NETDEV_MAX_QUEUES]) {
		printk("ktest: net_tap: flow %u: echo %u after %d on queue %u (out of order)\n", flow, seq,
		       t->last_seq[flow][b->queue % NETDEV_MAX_QUEUES], b->queue);
		t->failures++;
	}
	t->last_seq[flow][b->queue % NETDEV_MAX_QUEUES] = (int)seq;
	t->seen[seq] = true;
	t->echoes++;
}

/* Receives until `want` echoes in all or the deadline; w NULL: polled. */
static void tap_collect(struct tap_test *t, struct rx_wait *w, unsigned int want, uint64_t deadline)
{
	while (t->echoes < want) {
		struct netbuf *bufs[16];
		unsigned int n = t->d->rx_burst(t->d, bufs, 16);

		for (unsigned int i = 0; i < n; i++) {
			tap_receive(t, bufs[i]);
			netbuf_free(bufs[i]);
		}
		if (n == 16)
			continue;
		if (time_monotonic_ns() >= deadline)
			return;
		if (w)
			(void)wait_for_completion_timeout(&w->arrived, deadline);
		else
			cpu_relax();
	}
}

/*
 * Source ports such that the first flows land on every transmit queue in
 * turn (found with the driver's own hash, net/flow.h), so that each pair
 * must carry traffic; the rest follow on consecutive ports.
 */
static void tap_pick_ports(struct tap_test *t)
{
	struct netbuf *probe = frame_alloc(t->d, ETH_HLEN + IP_HLEN + UDP_HLEN + 18);
	unsigned int port = TAP_SPORT_BASE, queues = t->d->queues;

	for (unsigned int f = 0; f < TAP_FLOWS; f++, port++) {
		for (unsigned int tries = 0; probe && f < queues && tries < 1000; tries++, port++) {
			uint8_t *fr = probe->buf + probe->off, *ip;

			ip = eth_header(fr, t->host_mac, t->d->mac, ETH_P_IP);
			ip[0] = 0x45;
			ip[9] = IPPROTO_UDP;
			put32(ip + 12, my_ip);
			put32(ip + 16, t->host_ip);
			put16(ip + IP_HLEN, (uint16_t)port);
			put16(ip + IP_HLEN + 2, t->port);
			if (net_flow_queue(net_flow_hash(fr, probe->len), queues) == f)
				break;
		}
		t->sport[f] = (uint16_t)port;
	}
	netbuf_free(probe);
}

KTEST(net_tap)
{
	static struct tap_test t;
	struct netdev *d = netdev_find("eth0");
	struct rx_wait w = { .notifies = 0 };
	struct expect e = { .arp = true };
	const char *guest = cmdline_get(&kernel_cmdline, "net_tap.guest");
	const char *host = cmdline_get(&kernel_cmdline, "net_tap.host");
	int port = param_int("net_tap.port"), pairs = param_int("net_tap.pairs");
	int csum = param_int("net_tap.csum"), rx_csum = param_int("net_tap.rx_csum");
	struct netdev_stats before;
	unsigned int sent, polled_notifies, tx_used = 0, rx_used = 0;
	int failures = 0;

	KCHECK(d != NULL);
	if (!d)
		return failures;
	if (!guest || !host || !parse_ip(guest, &my_ip) || !parse_ip(host, &t.host_ip) || port <= 0 ||
	    port > 0xffff) {
		printk("ktest: net_tap: needs net_tap.guest=IP net_tap.host=IP net_tap.port=N\n");
		return failures + 1;
	}
	t.d = d;
	t.port = (uint16_t)port;
	t.offload = d->features & NETDEV_F_TX_CSUM;
	for (unsigned int f = 0; f < TAP_FLOWS; f++)
		for (unsigned int q = 0; q < NETDEV_MAX_QUEUES; q++)
			t.last_seq[f][q] = -1;
	printk("ktest: net_tap: %s MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u, link %s, %u queue pairs, "
	       "offloads:%s%s%s\n", d->name, d->mac[0], d->mac[1], d->mac[2], d->mac[3], d->mac[4],
	       d->mac[5], d->mtu, d->link_up ? "up" : "down", d->queues,
	       t.offload ? " tx checksum" : "", (d->features & NETDEV_F_RX_CSUM) ? " rx checksum" : "",
	       d->features & (NETDEV_F_TX_CSUM | NETDEV_F_RX_CSUM) ? "" : " none");
	KCHECK(d->link_up);
	/* What the host configured must be what was negotiated: an offload offered must be taken. */
	if (pairs >= 0)
		KCHECK(d->queues == pairs);
	if (csum >= 0)
		KCHECK(t.offload == (csum != 0));
	if (rx_csum >= 0)
		KCHECK(!!(d->features & NETDEV_F_RX_CSUM) == (rx_csum != 0));
	before = d->stats;

	completion_init(&w.arrived);
	netdev_set_rx_notify(d, rx_notify, &w);
	e.peer_ip = t.host_ip;
	KCHECK(send_arp(d, ARP_REQUEST, broadcast, (const uint8_t[6]){ 0 }, t.host_ip));
	if (await(d, &w, &e, time_monotonic_ns() + TAP_WAIT_NS)) {
		printk("ktest: net_tap: no ARP reply from %s within %lu ms\n", host, TAP_WAIT_NS / 1000000);
		netdev_set_rx_notify(d, NULL, NULL);
		return failures + 1;
	}
	memcpy(t.host_mac, e.gw_mac, 6);
	tap_pick_ports(&t);

	/* By interrupt: the receive interrupts of every queue wake us. */
	sent = tap_send_phase(&t, 0);
	tap_collect(&t, &w, TAP_PER_PHASE, time_monotonic_ns() + TAP_WAIT_NS);
	KCHECK(w.notifies > 0);
	printk("ktest: net_tap: %u echoes of %u by interrupt\n", t.echoes, TAP_PER_PHASE);

	/* Polled, interrupts off altogether: rx_burst alone must find the echoes on every queue. */
	netdev_set_rx_notify(d, NULL, NULL);
	polled_notifies = w.notifies;
	irq_disable();
	sent += tap_send_phase(&t, TAP_PER_PHASE);
	tap_collect(&t, NULL, TAP_DATAGRAMS, time_monotonic_ns() + TAP_WAIT_NS);
	irq_enable();
	KCHECK(w.notifies == polled_notifies);
	printk("ktest: net_tap: sent %u datagrams to %s:%u\n", sent, host, t.port);

	for (unsigned int q = 0; q < d->queues; q++) {
		printk("ktest: net_tap: queue %u: tx %lu, rx %lu\n", q, d->queue_stats[q].tx_packets,
		       d->queue_stats[q].rx_packets);
		tx_used += d->queue_stats[q].tx_packets > 0;
		rx_used += d->queue_stats[q].rx_packets > 0;
	}
	printk("ktest: net_tap: %u of %u echoes; %u of %u queue pairs sent, %u received; "
	       "tx checksums by the device %lu; rx checksums: %u partial, %u verified by the device, "
	       "%u checked here; %u ARP requests answered\n", t.echoes, TAP_DATAGRAMS, tx_used,
	       d->queues, rx_used, d->stats.tx_csum - before.tx_csum, t.partial, t.device_valid,
	       t.checked_here, t.arp_answered);
	for (unsigned int s = 0; s < TAP_DATAGRAMS; s++)
		if (!t.seen[s]) {
			printk("ktest: net_tap: no echo of datagram %u (flow %u, port %u)\n", s,
			       s % TAP_FLOWS, t.sport[s % TAP_FLOWS]);
			failures++;
		}
	KCHECK(sent == TAP_DATAGRAMS);
	KCHECK(tx_used == d->queues);
	/* The device picks receive queues; with several pairs and 16 flows, one queue for all is a failure. */
	if (d->queues > 1)
		KCHECK(rx_used > 1);
	KCHECK(d->stats.tx_csum - before.tx_csum == (t.offload ? sent : 0));
	KCHECK(d->stats.rx_csum - before.rx_csum >= t.partial + t.device_valid);
	KCHECK(d->stats.rx_errors == before.rx_errors && d->stats.tx_errors == before.tx_errors);
	return failures + t.failures;
}

/*
 * bench_net_tx (bench/net.sh): minimal UDP frames (60 bytes, checksum left
 * to the device where it can) sent as fast as tx_burst takes them, over
 * 16 flows and so over every queue pair; prints "bench: net.tx_pps N".
 * The frames go to a MAC address the host does not have: the tap drops
 * them unread, so the figure is the guest's and QEMU's. Parameters:
 * net_tap.guest, net_tap.host (the addresses written in the frames) and
 * net_tap.count (frames, default 200000). Under TCG the TSC follows the
 * host clock, so the rate is in real time.
 */
#define BENCH_BURST	32

KTEST(bench_net_tx)
{
	static struct tap_test t;
	static const uint8_t nowhere[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	struct netdev *d = netdev_find("eth0");
	const char *guest = cmdline_get(&kernel_cmdline, "net_tap.guest");
	const char *host = cmdline_get(&kernel_cmdline, "net_tap.host");
	int count = param_int("net_tap.count");
	unsigned int sent = 0, seq = 0;
	uint64_t t0, ns;
	int failures = 0;

	KCHECK(d != NULL);
	if (!d)
		return failures;
	if (!guest || !host || !parse_ip(guest, &my_ip) || !parse_ip(host, &t.host_ip)) {
		printk("ktest: bench_net_tx: needs net_tap.guest=IP net_tap.host=IP\n");
		return failures + 1;
	}
	if (count <= 0)
		count = 200000;
	t.d = d;
	t.port = 9;		/* discard, should the frames ever be read */
	t.offload = d->features & NETDEV_F_TX_CSUM;
	memcpy(t.host_mac, nowhere, 6);
	tap_pick_ports(&t);
	t0 = time_monotonic_ns();
	while (sent < (unsigned int)count) {
		struct netbuf *bufs[BENCH_BURST];
		unsigned int n = 0, done = 0;

		/* 18 payload bytes: the frame is exactly the 60-byte Ethernet minimum. */
		for (; n < BENCH_BURST; n++, seq++) {
			bufs[n] = tap_datagram(&t, 0, seq % TAP_FLOWS);
			if (!bufs[n])
				break;
		}
		while (done < n)
			done += d->tx_burst(d, bufs + done, n - done);
		sent += n;
		if (n < BENCH_BURST) {
			printk("ktest: bench_net_tx: out of netbufs after %u frames\n", sent);
			failures++;
			break;
		}
	}
	ns = time_monotonic_ns() - t0;
	KCHECK(d->stats.tx_errors == 0);
	printk("ktest: bench_net_tx: %u frames in %lu us on %u queue pairs%s\n", sent, ns / 1000,
	       d->queues, t.offload ? ", checksums by the device" : "");
	if (!failures && ns)
		printk("bench: net.tx_pps %lu\n", (uint64_t)sent * 1000000000u / ns);
	return failures;
}
