/* SPDX-License-Identifier: BSD-2-Clause */
/* TCP segmentation offload, the sending side: joining consecutive segments of one connection into one frame (see net/tso.h). */
#include "net/tso.h"
#include "lib/string.h"

#define ETH_HLEN	14
#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define IPPROTO_TCP	6
#define IPV4_HLEN	20
#define IPV6_HLEN	40
#define TCP_HLEN	20

/* TCP flags (RFC 9293 §3.1, RFC 3168 §6.1 for ECE and CWR). */
#define TCP_FIN		0x01
#define TCP_SYN		0x02
#define TCP_RST		0x04
#define TCP_PSH		0x08
#define TCP_ACK		0x10
#define TCP_URG		0x20
#define TCP_ECE		0x40
#define TCP_CWR		0x80

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

bool tso_parse(const uint8_t *f, size_t avail, size_t len, struct tso_seg *s)
{
	const uint8_t *ip = f + ETH_HLEN, *tcp;
	size_t l4_off, ip_len, thl;

	if (avail > len || avail < ETH_HLEN + IPV4_HLEN)
		return false;
	if (get16(f + 12) == ETH_P_IP && ip[0] == 0x45) {
		/* Version 4, no options; DF may be set, MF and the fragment offset may not (RFC 791 §3.1). */
		if ((get16(ip + 6) & 0x3fff) || ip[9] != IPPROTO_TCP)
			return false;
		l4_off = ETH_HLEN + IPV4_HLEN;
		ip_len = get16(ip + 2);
		s->type = TSO_TCPV4;
	} else if (get16(f + 12) == ETH_P_IPV6 && (ip[0] >> 4) == 6 && avail >= ETH_HLEN + IPV6_HLEN) {
		/* TCP right after the fixed header (RFC 8200 §3): extension headers are not joined. */
		if (ip[6] != IPPROTO_TCP)
			return false;
		l4_off = ETH_HLEN + IPV6_HLEN;
		ip_len = IPV6_HLEN + (size_t)get16(ip + 4);
		s->type = TSO_TCPV6;
	} else {
		return false;
	}
	if (avail < l4_off + TCP_HLEN)
		return false;
	tcp = f + l4_off;
	thl = (size_t)(tcp[12] >> 4) * 4;
	/* The IP length must cover the headers and agree with the frame (Ethernet pads only short frames). */
	if (thl < TCP_HLEN || avail < l4_off + thl || ETH_HLEN + ip_len != len || l4_off + thl >= len)
		return false;
	s->tcp_flags = tcp[13];
	if (!(s->tcp_flags & TCP_ACK) || (s->tcp_flags & (TCP_SYN | TCP_RST | TCP_URG | TCP_ECE | TCP_CWR)))
		return false;
	s->l4_off = (uint16_t)l4_off;
	s->hdr_len = (uint16_t)(l4_off + thl);
	s->seq = get32(tcp + 4);
	s->payload = (uint32_t)(len - s->hdr_len);
	return true;
}

void tso_start(struct tso_frame *t, const struct tso_seg *s, uint32_t max_len)
{
	t->first = *s;
	t->next_seq = s->seq + s->payload;
	t->payload = s->payload;
	t->max_len = max_len;
	t->segs = 1;
	/* A FIN ends the stream: nothing follows it. */
	t->closed = (s->tcp_flags & TCP_FIN) != 0;
}

/* Whether bytes [from, to) of the two headers are equal. */
static bool same(const uint8_t *a, const uint8_t *b, size_t from, size_t to)
{
	return !memcmp(a + from, b + from, to - from);
}

bool tso_can_append(const struct tso_frame *t, const uint8_t *fh, const uint8_t *h, const struct tso_seg *s)
{
	const uint8_t *ip = fh + ETH_HLEN, *sip = h + ETH_HLEN;
	size_t l4 = t->first.l4_off;

	if (t->closed || s->type != t->first.type || s->hdr_len != t->first.hdr_len ||
	    s->seq != t->next_seq || s->payload > t->first.payload ||
	    (uint64_t)t->first.hdr_len + t->payload + s->payload > t->max_len)
		return false;
	/* Both Ethernet addresses and the type. */
	if (!same(fh, h, 0, ETH_HLEN))
		return false;
	if (t->first.type == TSO_TCPV4) {
		/* Version, header length, TOS; flags and fragment offset; TTL and protocol; both addresses. */
		if (!same(ip, sip, 0, 2) || !same(ip, sip, 6, 10) || !same(ip, sip, 12, IPV4_HLEN))
			return false;
	} else {
		/* Version, traffic class, flow label; next header, hop limit; both addresses. */
		if (!same(ip, sip, 0, 4) || !same(ip, sip, 6, IPV6_HLEN))
			return false;
	}
	/* Ports, the data offset and the options (each segment is cut with the same ones). */
	return same(fh, h, l4, l4 + 4) && fh[l4 + 12] == h[l4 + 12] && same(fh, h, l4 + TCP_HLEN, t->first.hdr_len);
}

void tso_append(struct tso_frame *t, uint8_t *fh, const uint8_t *h, const struct tso_seg *s)
{
	size_t l4 = t->first.l4_off;

	memcpy(fh + l4 + 8, h + l4 + 8, 4);	/* acknowledgment number */
	memcpy(fh + l4 + 14, h + l4 + 14, 2);	/* window */
	fh[l4 + 13] |= (uint8_t)(s->tcp_flags & (TCP_PSH | TCP_FIN));
	t->payload += s->payload;
	t->next_seq += s->payload;
	t->segs++;
	/* Every segment but the last has the first one's size, which the device cuts by. */
	if (s->payload < t->first.payload || (s->tcp_flags & TCP_FIN))
		t->closed = true;
}

size_t tso_finish(const struct tso_frame *t, uint8_t *fh)
{
	uint8_t *ip = fh + ETH_HLEN;
	size_t len = (size_t)t->first.hdr_len + t->payload;

	if (t->first.type == TSO_TCPV4) {
		uint32_t sum = 0;

		put16(ip + 2, (uint32_t)(len - ETH_HLEN));
		/* RFC 791 §3.1: the one's complement of the one's complement sum of the header's 16-bit words. */
		put16(ip + 10, 0);
		for (int i = 0; i < IPV4_HLEN; i += 2)
			sum += get16(ip + i);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		put16(ip + 10, ~sum & 0xffff);
	} else {
		put16(ip + 4, (uint32_t)(len - ETH_HLEN - IPV6_HLEN));
	}
	return len;
}
