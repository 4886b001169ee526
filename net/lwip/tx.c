/* SPDX-License-Identifier: BSD-2-Clause */
/* lwIP's frames on their way to a netdev: a queue per interface, TSO frames joined from TCP segments, checksum offload, one burst per core lock (see tx.h). */
#include "kernel/thread.h"
#include "lib/string.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "net/l4csum.h"
#include "net/lwip/tx.h"

/*
 * Why a queue: lwIP calls linkoutput once per frame, and a frame handed
 * to the device at once costs a notification each (a VM exit). Frames
 * wait instead until whoever holds the core lock releases it
 * (UNLOCK_TCPIP_CORE, lwipopts.h): an application's send, a burst of
 * received frames or a timer round then reaches the device in one burst,
 * and nothing waits longer than the code that made it.
 *
 * Why joining: with TSO the device takes a TCP frame of up to 64 KiB and
 * cuts it into MSS-sized segments itself (net/tso.h). lwIP builds
 * segments of one MSS; consecutive ones of a connection, queued in one
 * lock hold, are joined here into one frame, so a bulk sender hands the
 * device one frame where it had forty, as Linux's TSO does.
 */

void port_tx_init(struct port_tx *tx, struct netdev *d)
{
	memset(tx, 0, sizeof(*tx));
	tx->dev = d;
}

/*
 * With NETDEV_F_TX_CSUM lwIP leaves TCP and UDP checksums at 0 (its
 * GEN flags are off); the device wants the pseudo-header sum there,
 * folded but not complemented (virtio 1.2 §5.1.6.2).
 */
static void csum_offload(struct netdev *d, struct netbuf *b)
{
	uint8_t *f = b->buf + b->off;
	uint16_t start, offset;
	uint32_t sum;

	if (!(d->features & NETDEV_F_TX_CSUM) || !l4csum_place(f, b->len, &start, &offset, &sum))
		return;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[start + offset] = (uint8_t)(sum >> 8);
	f[start + offset + 1] = (uint8_t)sum;
	b->csum_start = start;
	b->csum_offset = offset;
	b->csum_needed = true;
}

/* Ends the open frame: its lengths and TSO fields when several segments joined, then its checksum. */
static void close_open(struct port_tx *tx)
{
	struct netbuf *b;

	if (!tx->open)
		return;
	tx->open = false;
	b = tx->q[tx->n - 1];
	if (tx->tso.segs > 1) {
		b->len = (uint16_t)tso_finish(&tx->tso, b->buf + b->off);
		b->gso_type = tx->tso.first.type;
		b->gso_size = (uint16_t)tx->tso.first.payload;
		b->hdr_len = tx->tso.first.hdr_len;
	}
	csum_offload(tx->dev, b);
}

void port_tx_flush(struct port_tx *tx)
{
	struct netdev *d = tx->dev;
	unsigned int sent = 0;

	close_open(tx);
	/* A full ring empties as the device sends: let it, a few times, before dropping (TCP resends). */
	for (int tries = 0; sent < tx->n && tries < 4; tries++) {
		sent += d->tx_burst(d, tx->q + sent, tx->n - sent);
		if (sent < tx->n)
			sched_yield();
	}
	for (; sent < tx->n; sent++) {
		netbuf_free(tx->q[sent]);
		LINK_STATS_INC(link.drop);
	}
	tx->n = 0;
}

/* Whether the device segments TCP frames of this IP version. */
static bool tso_for(const struct netdev *d, const struct tso_seg *s)
{
	return d->features & (s->type == TSO_TCPV4 ? NETDEV_F_TSO4 : NETDEV_F_TSO6);
}

/*
 * Appends segment s of p to the open frame when it may join it: true when
 * it did. The open frame moves to a 64 KiB buffer with its second segment.
 */
static bool join(struct port_tx *tx, struct pbuf *p, const uint8_t *h, const struct tso_seg *s)
{
	struct netbuf *b = tx->q[tx->n - 1];

	if (!tso_can_append(&tx->tso, b->buf + b->off, h, s))
		return false;
	if (b->size < NETBUF_HEADROOM + NETBUF_TSO_MAX) {
		struct netbuf *big = netbuf_alloc_size(NETBUF_HEADROOM + NETBUF_TSO_MAX);

		if (!big)
			return false;	/* sent as it is, and s on its own */
		memcpy(big->buf + big->off, b->buf + b->off, b->len);
		big->len = b->len;
		netbuf_free(b);
		tx->q[tx->n - 1] = b = big;
	}
	(void)pbuf_copy_partial(p, b->buf + b->off + b->len, (u16_t)s->payload, s->hdr_len);
	b->len = (uint16_t)(b->len + s->payload);
	tso_append(&tx->tso, b->buf + b->off, h, s);
	return true;
}

err_t port_tx_frame(struct port_tx *tx, struct pbuf *p)
{
	struct netdev *d = tx->dev;
	uint8_t h[TSO_HDR_MAX];
	struct tso_seg s;
	struct netbuf *b;
	bool tso = false;

	if (d->features & (NETDEV_F_TSO4 | NETDEV_F_TSO6)) {
		u16_t avail = pbuf_copy_partial(p, h, (u16_t)MIN((size_t)p->tot_len, sizeof(h)), 0);

		tso = tso_parse(h, avail, p->tot_len, &s) && tso_for(d, &s);
		if (tso && tx->open && join(tx, p, h, &s))
			return ERR_OK;
	}
	close_open(tx);
	if (tx->n == PORT_TX_QUEUE)
		port_tx_flush(tx);
	b = netbuf_alloc();
	if (!b)
		return ERR_MEM;
	if (b->off < d->tx_headroom || p->tot_len > b->size - b->off) {
		netbuf_free(b);
		return ERR_IF;
	}
	b->len = (uint16_t)pbuf_copy_partial(p, b->buf + b->off, p->tot_len, 0);
	tx->q[tx->n++] = b;
	if (tso) {
		tso_start(&tx->tso, &s, NETBUF_TSO_MAX);
		tx->open = true;
	} else {
		csum_offload(d, b);
	}
	return ERR_OK;
}
