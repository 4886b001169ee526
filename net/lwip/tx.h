/* SPDX-License-Identifier: BSD-2-Clause */
/* lwIP's frames on their way to a netdev: queued under the core lock, joined into TSO frames, sent in one burst when the lock is released. */
#ifndef NET_LWIP_TX_H
#define NET_LWIP_TX_H

#include "lwip/err.h"
#include "net/netdev.h"
#include "net/tso.h"

struct pbuf;

/* Frames queued before a burst: more are sent at once when it fills. */
#define PORT_TX_QUEUE	32

/*
 * One interface's transmit queue, used under lwIP's core lock only. The
 * last queued frame stays open while it is a TCP segment that following
 * segments of its connection may join (the device supporting TSO).
 */
struct port_tx {
	struct netdev *dev;
	struct netbuf *q[PORT_TX_QUEUE];
	unsigned int n;
	bool open;			/* q[n - 1] may still grow */
	struct tso_frame tso;		/* ... and what it holds */
};

void port_tx_init(struct port_tx *tx, struct netdev *d);
/* Queues the frame p (lwIP's linkoutput): ERR_OK, or ERR_MEM / ERR_IF when it cannot be taken. */
err_t port_tx_frame(struct port_tx *tx, struct pbuf *p);
/* Hands every queued frame to the device (the core lock still held). */
void port_tx_flush(struct port_tx *tx);

#endif
