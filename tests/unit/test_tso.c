/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit test for net/tso and net/l4csum: which segments join, the joined frame's headers, and what is refused. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "net/l4csum.h"
#include "net/tso.h"
#include "tests/unit/check.h"

#define ETH_HLEN	14
#define MSS		1460

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

static unsigned int get16(const uint8_t *p)
{
	return (unsigned int)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

struct seg_spec {
	bool v6;
	uint32_t seq, ack;
	unsigned int window, flags, payload, ipid, opts;	/* opts: TCP option bytes (a multiple of 4) */
	unsigned int sport;
};

/* A TCP segment frame as lwIP sends it (checksums left at 0); returns its length. */
static size_t segment(uint8_t *f, const struct seg_spec *s)
{
	size_t l3 = s->v6 ? 40 : 20, thl = 20 + s->opts, len = ETH_HLEN + l3 + thl + s->payload;
	uint8_t *ip = f + ETH_HLEN, *tcp = ip + l3;

	memset(f, 0, len);
	memcpy(f, "\x52\x54\x00\x12\x34\x57\x52\x54\x00\x12\x34\x56", 12);
	if (s->v6) {
		put16(f + 12, 0x86dd);
		ip[0] = 0x60;
		put16(ip + 4, (unsigned int)(thl + s->payload));
		ip[6] = 6;
		ip[7] = 64;
		ip[8] = 0xfe, ip[9] = 0x80, ip[23] = 2;	/* fe80::2 -> fe80::1 */
		ip[24] = 0xfe, ip[25] = 0x80, ip[39] = 1;
	} else {
		put16(f + 12, 0x0800);
		ip[0] = 0x45;
		put16(ip + 2, (unsigned int)(l3 + thl + s->payload));
		put16(ip + 4, s->ipid);
		put16(ip + 6, 0x4000);	/* DF */
		ip[8] = 255;
		ip[9] = 6;
		put32(ip + 12, 0x0a000202);
		put32(ip + 16, 0x0a000201);
	}
	put16(tcp, s->sport ? s->sport : 40000);
	put16(tcp + 2, 8080);
	put32(tcp + 4, s->seq);
	put32(tcp + 8, s->ack);
	tcp[12] = (uint8_t)((thl / 4) << 4);
	tcp[13] = (uint8_t)s->flags;
	put16(tcp + 14, s->window);
	for (unsigned int i = 0; i < s->opts; i++)
		tcp[20 + i] = 1;	/* NOP */
	for (unsigned int i = 0; i < s->payload; i++)
		tcp[thl + i] = (uint8_t)(s->seq + i);
	return len;
}

static uint8_t frame[70000], seg[2000];

/* Joins segs segments of the given payloads (the last one may differ) the way net/lwip/tx.c does; returns how many joined. */
static unsigned int join_run(bool v6, unsigned int n, unsigned int last_payload, unsigned int last_flags,
			     struct tso_frame *t, size_t *flen)
{
	struct seg_spec sp = { .v6 = v6, .seq = 1000, .ack = 5000, .window = 100, .flags = 0x10, .payload = MSS };
	struct tso_seg s;
	size_t len = segment(frame, &sp);
	unsigned int joined = 1;

	CHECK(tso_parse(frame, len, len, &s));
	tso_start(t, &s, 65536 - 128);
	*flen = len;
	for (unsigned int i = 1; i < n; i++) {
		size_t l;

		sp.seq += sp.payload;
		sp.ack += 10;
		sp.window += 1;
		sp.ipid++;
		if (i == n - 1) {
			sp.payload = last_payload;
			sp.flags = last_flags;
		}
		l = segment(seg, &sp);
		if (!tso_parse(seg, l, l, &s) || !tso_can_append(t, frame, seg, &s))
			break;
		memcpy(frame + *flen, seg + s.hdr_len, s.payload);
		*flen += s.payload;
		tso_append(t, frame, seg, &s);
		joined++;
	}
	return joined;
}

static void test_join_ipv4(void)
{
	struct tso_frame t;
	size_t flen;
	uint32_t sum = 0;
	unsigned int n = join_run(false, 10, 300, 0x18, &t, &flen);
	const uint8_t *ip = frame + ETH_HLEN, *tcp = ip + 20;
	uint16_t start, offset;
	uint32_t pseudo;

	CHECK(n == 10 && t.segs == 10 && t.closed);	/* the short last segment closes it */
	CHECK(tso_finish(&t, frame) == flen && flen == ETH_HLEN + 40 + 9 * MSS + 300);
	CHECK(get16(ip + 2) == flen - ETH_HLEN);
	for (int i = 0; i < 20; i += 2)
		sum += get16(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	CHECK(sum == 0xffff);	/* a valid IPv4 header checksum */
	/* The newest acknowledgment and window, and the last segment's PSH; the first's sequence number. */
	CHECK(get32(tcp + 4) == 1000 && get32(tcp + 8) == 5090 && get16(tcp + 14) == 109 && tcp[13] == 0x18);
	CHECK(t.first.payload == MSS && t.first.hdr_len == ETH_HLEN + 40 && t.first.type == TSO_TCPV4);
	/* The payload in order. */
	for (size_t i = 0; i < 9 * MSS + 300; i++)
		if (tcp[20 + i] != (uint8_t)(1000 + i)) {
			CHECK(!"payload out of order");
			break;
		}
	/* Checksum offload sees the whole TCP length in the pseudo-header. */
	CHECK(l4csum_place(frame, flen, &start, &offset, &pseudo));
	CHECK(start == ETH_HLEN + 20 && offset == 16 && pseudo == 0x0a00 + 0x0202 + 0x0a00 + 0x0201 + 6 + 20 + 9 * MSS + 300);
}

static void test_join_ipv6(void)
{
	struct tso_frame t;
	size_t flen;
	unsigned int n = join_run(true, 5, MSS, 0x11, &t, &flen);	/* the last with FIN */

	CHECK(n == 5 && t.closed && t.first.type == TSO_TCPV6 && t.first.hdr_len == ETH_HLEN + 60);
	CHECK(tso_finish(&t, frame) == flen && get16(frame + ETH_HLEN + 4) == 20 + 5 * MSS);
	CHECK(frame[ETH_HLEN + 40 + 13] == 0x11);	/* FIN carried to the frame */
}

/* Each way a segment must not join: the frame stays as it was. */
static void test_refusals(void)
{
	struct seg_spec a = { .seq = 1000, .ack = 1, .window = 100, .flags = 0x10, .payload = MSS }, b;
	struct tso_frame t;
	struct tso_seg s, s2;
	size_t la = segment(frame, &a), lb;

	CHECK(tso_parse(frame, la, la, &s));
	tso_start(&t, &s, 65536 - 128);

#define REFUSED(field_change)                                            \
	do {                                                             \
		b = a;                                                   \
		b.seq = a.seq + MSS;                                     \
		field_change;                                            \
		lb = segment(seg, &b);                                   \
		CHECK(!tso_parse(seg, lb, lb, &s2) || !tso_can_append(&t, frame, seg, &s2)); \
	} while (0)

	REFUSED(b.seq = a.seq + MSS + 1);				/* a gap */
	REFUSED(b.seq = a.seq);						/* a repeat */
	REFUSED(b.sport = 40001);					/* another connection */
	REFUSED(b.payload = MSS + 1);					/* longer than the first */
	REFUSED(b.opts = 4);						/* other options */
	REFUSED(b.flags = 0x12);					/* SYN */
	REFUSED(b.flags = 0x14);					/* RST */
	REFUSED(b.flags = 0x30);					/* URG */
	REFUSED(b.flags = 0x50);					/* ECE */
	REFUSED(b.flags = 0x90);					/* CWR */
	REFUSED(b.v6 = true);						/* another IP version */
	REFUSED(b.payload = 0);						/* no data */

	/* A segment that fits joins, and then nothing joins a frame past its limit. */
	b = a;
	b.seq = a.seq + MSS;
	lb = segment(seg, &b);
	CHECK(tso_parse(seg, lb, lb, &s2) && tso_can_append(&t, frame, seg, &s2));
	t.max_len = (uint32_t)(la + MSS - 1);
	CHECK(!tso_can_append(&t, frame, seg, &s2));
	t.max_len = 65536 - 128;

	/* A closed frame (FIN) takes nothing more. */
	a.flags = 0x11;
	la = segment(frame, &a);
	CHECK(tso_parse(frame, la, la, &s));
	tso_start(&t, &s, 65536 - 128);
	CHECK(t.closed && !tso_can_append(&t, frame, seg, &s2));
}

/* Frames tso_parse must not take, and must not read past. */
static void test_parse_bad(void)
{
	struct seg_spec a = { .seq = 1, .ack = 1, .window = 1, .flags = 0x10, .payload = 100 };
	struct tso_seg s;
	size_t len = segment(frame, &a);

	CHECK(tso_parse(frame, len, len, &s) && s.payload == 100 && s.hdr_len == ETH_HLEN + 40);
	CHECK(!tso_parse(frame, len, len + 1, &s));		/* IP length disagrees with the frame */
	CHECK(!tso_parse(frame, 30, len, &s));			/* headers not at hand */
	frame[ETH_HLEN + 6] |= 0x20;				/* MF: a fragment */
	CHECK(!tso_parse(frame, len, len, &s));
	len = segment(frame, &a);
	frame[ETH_HLEN] = 0x46;					/* IPv4 options */
	CHECK(!tso_parse(frame, len, len, &s));
	len = segment(frame, &a);
	frame[ETH_HLEN + 20 + 12] = 0x40;			/* TCP data offset 16 bytes */
	CHECK(!tso_parse(frame, len, len, &s));
	frame[ETH_HLEN + 20 + 12] = 0xf0;			/* 60 bytes, more than the frame's headers hold */
	CHECK(!tso_parse(frame, ETH_HLEN + 40, len, &s));
	len = segment(frame, &a);
	frame[ETH_HLEN + 9] = 17;				/* UDP */
	CHECK(!tso_parse(frame, len, len, &s));
	for (size_t cut = 0; cut < ETH_HLEN + 40; cut++) {	/* every truncation */
		len = segment(frame, &a);
		CHECK(!tso_parse(frame, cut, cut, &s));
	}
}

int main(void)
{
	test_join_ipv4();
	test_join_ipv6();
	test_refusals();
	test_parse_bad();
	return check_done("tso");
}
