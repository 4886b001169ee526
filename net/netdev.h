/* SPDX-License-Identifier: BSD-2-Clause */
/* Network devices: packet buffers with headroom, burst transmit and receive, interrupt or poll mode. */
#ifndef NET_NETDEV_H
#define NET_NETDEV_H

#include <mote/types.h>
#include "lib/list.h"

#define NETBUF_HEADROOM	128	/* room for the device header (virtio-net: 12 bytes) and encapsulation */
#define NETBUF_SIZE	2048	/* one buffer holds a 1514-byte frame plus headroom */

/* One packet in one buffer: data at buf + off, len bytes. */
struct netbuf {
	uint8_t *buf;			/* NETBUF_SIZE bytes, physically contiguous */
	uint16_t off, len;
	uint16_t csum_start, csum_offset;	/* checksum to complete (NETDEV_F_TX_CSUM), or 0 */
	bool csum_needed;		/* transmit: the device fills the checksum in */
	bool csum_valid;		/* receive: the device checked it */
	struct list_node link;
};

#define NETDEV_F_TX_CSUM	(1u << 0)	/* the device can complete TCP/UDP checksums */
#define NETDEV_F_RX_CSUM	(1u << 1)	/* the device validates received checksums */

struct netdev {
	char name[16];			/* "eth0", ... */
	uint8_t mac[6];
	uint16_t mtu;
	uint32_t features;		/* NETDEV_F_* */
	bool link_up;
	/* Transmits up to n buffers; returns how many it took (the rest: try again). */
	unsigned int (*tx_burst)(struct netdev *d, struct netbuf **bufs, unsigned int n);
	/* Receives up to n buffers without waiting; returns how many. */
	unsigned int (*rx_burst)(struct netdev *d, struct netbuf **bufs, unsigned int n);
	/* Interrupt mode: called (from interrupt context) when packets arrive; NULL: poll. */
	void (*rx_notify)(struct netdev *d);
	void *rx_notify_arg;
	void *priv;
	struct list_node link;
};

struct netbuf *netbuf_alloc(void);
void netbuf_free(struct netbuf *b);

void netdev_register(struct netdev *d);
struct netdev *netdev_find(const char *name);
struct netdev *netdev_next(struct netdev *prev);

#endif
