/* SPDX-License-Identifier: BSD-2-Clause */
/* Network devices: packet buffers with headroom, burst transmit and receive over one or more queue pairs, interrupt or poll mode. */
#ifndef NET_NETDEV_H
#define NET_NETDEV_H

#include <mote/types.h>
#include "lib/list.h"

#define NETBUF_HEADROOM	128	/* room for the device header (virtio-net: 12 bytes) and encapsulation */
/*
 * One buffer holds a 1514-byte frame plus headroom; 2016 bytes is the
 * heap's largest slab class, two to a page, so a buffer never crosses a
 * page and costs half a page (a 2048-byte one would take a whole page).
 */
#define NETBUF_SIZE	2016

/*
 * One packet in one buffer: the Ethernet frame at buf + off, len bytes.
 * Checksum fields, with csum_start counted from the frame's first byte:
 *  - transmit: csum_needed asks the device (NETDEV_F_TX_CSUM) to sum
 *    from csum_start to the end and store the result at csum_start +
 *    csum_offset, where the stack left the pseudo-header sum;
 *  - receive: csum_valid says the device checked the checksums (or the
 *    packet comes from this host and needs none); csum_needed with it says
 *    the checksum field holds only the pseudo-header sum, as above.
 */
struct netbuf {
	uint8_t *buf;			/* size bytes, physically contiguous */
	uint32_t size;			/* NETBUF_SIZE, or more for a TSO frame (netbuf_alloc_size) */
	uint16_t off, len;
	uint16_t csum_start, csum_offset;
	bool csum_needed;
	bool csum_valid;
	/*
	 * Transmit only: a TSO frame (gso_type NETBUF_GSO_TCPV4/6, with
	 * csum_needed) that the device cuts into segments of gso_size payload
	 * bytes, each with a copy of the first hdr_len bytes (Ethernet, IP,
	 * TCP) fixed up. Needs NETDEV_F_TSO4/6; net/tso.h builds them.
	 */
	uint8_t gso_type;
	uint16_t gso_size, hdr_len;
	uint8_t queue;			/* received: the device queue it came in on (order holds per queue) */
	struct list_node link;
};

/*
 * Offloads (netdev.features). Without NETDEV_F_TX_CSUM the stack computes
 * every checksum itself: tx_burst refuses csum_needed buffers. Without
 * NETDEV_F_RX_CSUM no received buffer has csum_valid set.
 */
#define NETDEV_F_TX_CSUM	(1u << 0)	/* the device can complete TCP/UDP checksums */
#define NETDEV_F_RX_CSUM	(1u << 1)	/* the device validates received checksums */
#define NETDEV_F_TSO4		(1u << 2)	/* ... cuts TCP over IPv4 frames up to NETBUF_TSO_MAX bytes */
#define NETDEV_F_TSO6		(1u << 3)	/* ... and TCP over IPv6 ones */

#define NETBUF_GSO_NONE		0
#define NETBUF_GSO_TCPV4	1	/* the values of virtio's gso_type */
#define NETBUF_GSO_TCPV6	4
/*
 * The longest TSO frame: its buffer with the headroom is 64 KiB, sixteen
 * whole pages, and its IP length stays within IPv4's 16 bits.
 */
#define NETBUF_TSO_MAX		(65536 - NETBUF_HEADROOM)

/* Queue pairs a netdev may have; drivers use at most this many. */
#define NETDEV_MAX_QUEUES	8

/* Counted by the driver; read without a lock (a snapshot may be slightly stale). */
struct netdev_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t rx_dropped;		/* good frames lost: no memory, or longer than a netbuf */
	uint64_t rx_errors;		/* frames the device got wrong (short, unexpected header) */
	uint64_t tx_packets, tx_bytes;
	uint64_t tx_errors;		/* buffers refused: too long, too little headroom, unsupported offload */
	uint64_t tx_csum;		/* frames sent with their checksum left to the device */
	uint64_t rx_csum;		/* frames received with csum_valid: checked by the device, or partial */
};

/* Per queue pair, so that a test or a tool can see how traffic spreads. */
struct netdev_queue_stats {
	uint64_t tx_packets, rx_packets;
};

/*
 * A network device. Buffers passed to tx_burst belong to the driver from
 * then on (it frees them once sent); buffers from rx_burst belong to the
 * caller (netbuf_free, or reuse for transmit). tx_burst, rx_burst,
 * netbuf_alloc and netbuf_free are for thread context or interrupts off,
 * never for interrupt handlers (the heap is not interrupt-safe).
 *
 * Several queue pairs (queues > 1) stay inside the driver: the caller
 * sees one device. tx_burst puts each frame on the transmit queue that
 * net_flow_hash() (net/flow.h) picks, so the frames of one flow (same
 * IP addresses, protocol and TCP/UDP ports) go out in the order given,
 * while frames of different flows may overtake one another. The device
 * steers replies to the receive queue of their flow; rx_burst takes
 * from every receive queue in turn and returns fewer than asked only
 * when all were empty.
 */
struct netdev {
	char name[16];			/* "eth0", ... */
	uint8_t mac[6];
	uint16_t mtu;			/* largest IP packet: a frame is at most mtu + 18 (Ethernet + VLAN) */
	uint16_t tx_headroom;		/* bytes tx_burst needs before each frame (off >= this) */
	uint32_t features;		/* NETDEV_F_* */
	volatile bool link_up;		/* changed by the driver, from interrupt context */
	/* Transmits up to n buffers; returns how many it took (the rest: try again). */
	unsigned int (*tx_burst)(struct netdev *d, struct netbuf **bufs, unsigned int n);
	/* Receives up to n buffers without waiting; returns how many. */
	unsigned int (*rx_burst)(struct netdev *d, struct netbuf **bufs, unsigned int n);
	/*
	 * Interrupt mode: called from interrupt context (or from
	 * netdev_set_rx_notify, for packets already waiting) when packets may
	 * have arrived since rx_burst last returned fewer than it was asked
	 * for. It should only wake whoever calls rx_burst. NULL: poll mode (the
	 * device raises no receive interrupts). Set with netdev_set_rx_notify().
	 */
	void (*rx_notify)(struct netdev *d);
	void *rx_notify_arg;
	/* The driver's: turns receive interrupts on or off (NULL: always on). */
	void (*rx_interrupts)(struct netdev *d, bool on);
	struct netdev_stats stats;
	uint16_t queues;		/* queue pairs in use, 1..NETDEV_MAX_QUEUES (0 at register: 1) */
	struct netdev_queue_stats queue_stats[NETDEV_MAX_QUEUES];
	void *priv;
	struct list_node link;
};

struct netbuf *netbuf_alloc(void);
/* A buffer of size bytes (at least NETBUF_SIZE): for TSO frames. */
struct netbuf *netbuf_alloc_size(uint32_t size);
void netbuf_free(struct netbuf *b);

/* Names the device "ethN" and lists it; it starts in poll mode. */
void netdev_register(struct netdev *d);
struct netdev *netdev_find(const char *name);
struct netdev *netdev_next(struct netdev *prev);

/* Interrupt mode with fn (fn's d->rx_notify_arg is arg), or poll mode with fn NULL. */
void netdev_set_rx_notify(struct netdev *d, void (*fn)(struct netdev *d), void *arg);

#endif
