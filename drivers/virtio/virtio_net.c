/* SPDX-License-Identifier: BSD-2-Clause */
/* virtio network device (virtio 1.2 §5.1): up to VNET_MAX_PAIRS queue pairs as one netdev, link status, checksum and segmentation offload. */
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtqueue.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/random.h"
#include "kernel/spinlock.h"
#include "lib/string.h"
#include "net/flow.h"
#include "net/netdev.h"

/* Feature bits (§5.1.3). */
#define VIRTIO_NET_F_CSUM		(1ull << 0)	/* the device completes partial checksums we send */
#define VIRTIO_NET_F_GUEST_CSUM		(1ull << 1)	/* we accept partial checksums, the device may validate */
#define VIRTIO_NET_F_MTU		(1ull << 3)
#define VIRTIO_NET_F_MAC		(1ull << 5)
#define VIRTIO_NET_F_HOST_TSO4		(1ull << 11)	/* the device segments TCP over IPv4 we send (needs CSUM) */
#define VIRTIO_NET_F_HOST_TSO6		(1ull << 12)	/* ... TCP over IPv6 */
#define VIRTIO_NET_F_MRG_RXBUF		(1ull << 15)
#define VIRTIO_NET_F_STATUS		(1ull << 16)
#define VIRTIO_NET_F_CTRL_VQ		(1ull << 17)
#define VIRTIO_NET_F_MQ			(1ull << 22)
/* Legacy devices only (§6.3): header and data may share a descriptor; VERSION_1 implies it (§2.6.4). */
#define VIRTIO_F_ANY_LAYOUT		(1ull << 27)

/* struct virtio_net_config (§5.1.4): each field exists only with its feature. */
#define CFG_MAC			0	/* u8[6], VIRTIO_NET_F_MAC */
#define CFG_STATUS		6	/* le16, VIRTIO_NET_F_STATUS */
#define CFG_MAX_PAIRS		8	/* le16, VIRTIO_NET_F_MQ */
#define CFG_MTU			10	/* le16, VIRTIO_NET_F_MTU */
#define VIRTIO_NET_S_LINK_UP	1

/* struct virtio_net_hdr (§5.1.6): 12 bytes with VERSION_1 or MRG_RXBUF, else 10 (no num_buffers). */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
#define VIRTIO_NET_HDR_F_NEEDS_CSUM	1
#define VIRTIO_NET_HDR_F_DATA_VALID	2
#define VIRTIO_NET_HDR_GSO_NONE		0
#define VNET_HDR_LEN			12
#define VNET_HDR_LEN_LEGACY		10

/* The control queue (§5.1.6.5): class and command, data, then the device's ack byte. */
#define VIRTIO_NET_CTRL_MQ		4
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET	0
#define VIRTIO_NET_OK			0
#define VNET_CTRL_TIMEOUT_NS		((uint64_t)1000 * 1000000)

/*
 * Queue pairs used at most. One CPU gains nothing from more: they spread
 * flows but cost receive buffers (VNET_RX_RING_MQ each) and interrupt
 * vectors. NETDEV_MAX_QUEUES bounds it, and the control queue at index
 * 2 * max_virtqueue_pairs must stay within VIRTIO_MAX_QUEUES.
 */
#define VNET_MAX_PAIRS		4
#define VNET_RX_RING		128	/* receive buffers kept posted on one queue (each half a page) */
#define VNET_RX_RING_MQ		64	/* ... on each of several queues */
#define VNET_TX_RING		256
#define VNET_CTRL_RING		4
/* Frame bytes a netbuf holds after its headroom; the longest frame we can take in. */
#define VNET_FRAME_MAX		(NETBUF_SIZE - NETBUF_HEADROOM)
#define ETH_HLEN		14
#define ETH_VLAN_HLEN		18
#define ETH_MIN_MTU		68	/* §5.1.4.1: the device's mtu is at least this */

/* One receive queue and what is only its own, under its lock. */
struct vnet_rxq {
	struct virtqueue *vq;
	struct spinlock lock;
	unsigned int index;		/* the pair's number, 0 for receiveq1 */
	unsigned int posted;		/* receive buffers the device holds */
	/* A frame in several buffers (MRG_RXBUF) whose later ones the device has not returned yet. */
	struct netbuf *partial;
	unsigned int partial_left;
	bool partial_drop;
};

struct vnet_txq {
	struct virtqueue *vq;
	struct spinlock lock;
	unsigned int index;
};

/*
 * The counters in nd.stats are shared by all queues, each updating them
 * under its own lock with interrupts off: on one CPU that serialises them.
 */
struct vnet {
	struct netdev nd;
	struct virtio_device *vdev;
	struct vnet_rxq rx[VNET_MAX_PAIRS];
	struct vnet_txq tx[VNET_MAX_PAIRS];
	unsigned int nqueues;		/* pairs set up; nd.queues of them carry traffic */
	unsigned int max_pairs;		/* the device's max_virtqueue_pairs (1 without MQ) */
	unsigned int rx_next;		/* the queue rx_burst starts with: turns, so none starves */
	struct virtqueue *ctrlq;
	struct spinlock ctrl_lock;
	unsigned int hdr_len;
	/* Legacy without ANY_LAYOUT: the header in a descriptor of its own (§5.1.6.6 legacy interface). */
	bool split_hdr;
	bool mrg_rxbuf;
	uint8_t *ctrl_buf;		/* kmalloc'd: the device reads and writes it */
};

/* The header sits right before the frame, in the netbuf's headroom. */
static inline uint8_t *vnet_hdr_ptr(const struct vnet *vn, struct netbuf *b)
{
	return b->buf + b->off - vn->hdr_len;
}

/* With rq->lock held: gives b to the device as an empty receive buffer. */
static int vnet_rx_post(struct vnet *vn, struct vnet_rxq *rq, struct netbuf *b)
{
	struct virtq_buf bufs[2];
	unsigned int n;
	int r;

	b->off = NETBUF_HEADROOM;
	b->len = 0;
	b->csum_start = b->csum_offset = 0;
	b->csum_needed = b->csum_valid = false;
	/*
	 * §5.1.6.3.1: without MRG_RXBUF each buffer must take a whole frame
	 * and its header (1526 bytes with MTU 1500); ours take 1888.
	 */
	if (vn->split_hdr) {
		bufs[0] = (struct virtq_buf){ vnet_hdr_ptr(vn, b), vn->hdr_len };
		bufs[1] = (struct virtq_buf){ b->buf + b->off, VNET_FRAME_MAX };
		n = 2;
	} else {
		bufs[0] = (struct virtq_buf){ vnet_hdr_ptr(vn, b), vn->hdr_len + VNET_FRAME_MAX };
		n = 1;
	}
	r = virtq_add(rq->vq, bufs, 0, n, b);
	if (r == 0)
		rq->posted++;
	return r;
}

/* With rq->lock held: tops the receive ring up with new buffers; true when any were added. */
static bool vnet_rx_refill(struct vnet *vn, struct vnet_rxq *rq)
{
	bool added = false;

	while (rq->posted < rq->vq->size) {
		struct netbuf *b = netbuf_alloc();

		if (!b)
			break;	/* tried again at the next rx_burst */
		if (vnet_rx_post(vn, rq, b)) {
			netbuf_free(b);	/* ring full (a legacy split header takes two descriptors) */
			break;
		}
		added = true;
	}
	return added;
}

/*
 * With rq->lock held: one used receive buffer of len bytes. Returns a whole
 * frame for the caller, or NULL when b was reposted or holds part of one.
 * A frame over several buffers (MRG_RXBUF, §5.1.6.4) is copied into its
 * first netbuf when it fits there, else dropped and counted in rx_dropped:
 * with buffers of VNET_FRAME_MAX bytes only frames too long for a netbuf
 * span buffers at all.
 */
static struct netbuf *vnet_rx_one(struct vnet *vn, struct vnet_rxq *rq, struct netbuf *b,
				  uint32_t len)
{
	struct virtio_net_hdr hdr = { 0 };
	uint16_t nbufs = 1;

	if (rq->partial_left) {
		struct netbuf *first = rq->partial;

		/* Later buffers hold data only, from the start of what we posted. */
		if (!rq->partial_drop && len <= (uint32_t)(VNET_FRAME_MAX - first->len)) {
			memcpy(first->buf + first->off + first->len, vnet_hdr_ptr(vn, b), len);
			first->len = (uint16_t)(first->len + len);
		} else {
			rq->partial_drop = true;
		}
		vnet_rx_post(vn, rq, b);
		if (--rq->partial_left)
			return NULL;
		rq->partial = NULL;
		if (rq->partial_drop) {
			vn->nd.stats.rx_dropped++;
			vnet_rx_post(vn, rq, first);
			return NULL;
		}
		return first;
	}
	if (len < vn->hdr_len + ETH_HLEN) {
		vn->nd.stats.rx_errors++;
		vnet_rx_post(vn, rq, b);
		return NULL;
	}
	memcpy(&hdr, vnet_hdr_ptr(vn, b), vn->hdr_len);
	b->len = (uint16_t)(len - vn->hdr_len);
	b->queue = (uint8_t)(rq - vn->rx);
	if (hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		/* We negotiated no GSO feature: a device that sends one anyway is wrong. */
		vn->nd.stats.rx_errors++;
		vnet_rx_post(vn, rq, b);
		return NULL;
	}
	/*
	 * §5.1.6.4: with GUEST_CSUM, DATA_VALID says the device checked the
	 * checksum; NEEDS_CSUM says it checked everything up to a checksum
	 * that it replaced by the pseudo-header sum, to be completed from
	 * csum_start like a transmitted one (§5.1.6.4.1). Other flag bits
	 * are ignored (§5.1.6.4.2), and without GUEST_CSUM the device sets
	 * none: nothing may be trusted then.
	 */
	if (vn->nd.features & NETDEV_F_RX_CSUM) {
		if (hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
			/* Both offsets from the frame's first byte; the 2-byte field must lie inside it. */
			if ((uint32_t)hdr.csum_start + hdr.csum_offset + 2 > b->len) {
				vn->nd.stats.rx_errors++;
				vnet_rx_post(vn, rq, b);
				return NULL;
			}
			b->csum_needed = true;
			b->csum_start = hdr.csum_start;
			b->csum_offset = hdr.csum_offset;
			b->csum_valid = true;
		} else if (hdr.flags & VIRTIO_NET_HDR_F_DATA_VALID) {
			b->csum_valid = true;
		}
	}
	if (vn->mrg_rxbuf)
		nbufs = hdr.num_buffers;
	if (nbufs == 0) {
		vn->nd.stats.rx_errors++;	/* §5.1.6.4: the device sets at least 1 */
		vnet_rx_post(vn, rq, b);
		return NULL;
	}
	if (nbufs > 1) {
		/* The offsets were checked against the first buffer only: a longer frame can only hold them too. */
		rq->partial = b;
		rq->partial_left = nbufs - 1u;
		rq->partial_drop = false;
		return NULL;
	}
	return b;
}

/* Up to n whole frames from one receive queue into out; tops the queue up afterwards. */
static unsigned int vnet_rxq_burst(struct vnet *vn, struct vnet_rxq *rq, struct netbuf **out,
				   unsigned int n)
{
	struct netdev *nd = &vn->nd;
	unsigned int got = 0;
	uint64_t flags = spin_lock_irqsave(&rq->lock);
	uint32_t len;
	void *token;

	while (got < n && (token = virtq_get(rq->vq, &len))) {
		struct netbuf *b;

		rq->posted--;
		b = vnet_rx_one(vn, rq, token, len);
		if (b) {
			nd->stats.rx_packets++;
			nd->stats.rx_bytes += b->len;
			if (b->csum_valid)
				nd->stats.rx_csum++;
			nd->queue_stats[rq->index].rx_packets++;
			out[got++] = b;
		}
	}
	/* Reposted buffers and new ones alike need one notification. */
	vnet_rx_refill(vn, rq);
	virtq_kick(rq->vq);
	spin_unlock_irqrestore(&rq->lock, flags);
	return got;
}

/*
 * Every queue that was set up is read, also past nd.queues: should the
 * pair count not have been accepted, the device still uses receiveq1
 * only, and an idle queue costs one look at its used index.
 */
static unsigned int vnet_rx_burst(struct netdev *nd, struct netbuf **out, unsigned int n)
{
	struct vnet *vn = nd->priv;
	unsigned int got = 0, first = READ_ONCE(vn->rx_next);

	for (unsigned int k = 0; k < vn->nqueues && got < n; k++)
		got += vnet_rxq_burst(vn, &vn->rx[(first + k) % vn->nqueues], out + got, n - got);
	/* The next call starts one queue further on, so that a busy queue cannot starve the rest. */
	WRITE_ONCE(vn->rx_next, (first + 1) % vn->nqueues);
	return got;
}

/* Interrupt context: a receive queue has used buffers. The consumer, woken, collects them. */
static void vnet_rx_callback(struct virtqueue *vq)
{
	struct vnet *vn = vq->priv;
	void (*notify)(struct netdev *) = READ_ONCE(vn->nd.rx_notify);

	if (notify)
		notify(&vn->nd);
}

static void vnet_rx_interrupts(struct netdev *nd, bool on)
{
	struct vnet *vn = nd->priv;
	bool pending = false;

	for (unsigned int q = 0; q < vn->nqueues; q++) {
		struct vnet_rxq *rq = &vn->rx[q];
		uint64_t flags = spin_lock_irqsave(&rq->lock);

		if (on)
			pending |= !virtq_enable_cb(rq->vq);
		else
			virtq_disable_cb(rq->vq);
		spin_unlock_irqrestore(&rq->lock, flags);
	}
	/* Frames that arrived while interrupts were off raise none now: say so once. */
	if (pending)
		vnet_rx_callback(vn->rx[0].vq);
}

/* With tq->lock held: frees what the device has sent. Transmit raises no interrupts; this runs instead. */
static void vnet_tx_reclaim(struct vnet_txq *tq)
{
	uint32_t len;
	void *token;

	while ((token = virtq_get(tq->vq, &len)))
		netbuf_free(token);
}

/* With tq->lock held: queues b. 0, -ENOSPC (the ring is full: try again), or another -errno (b dropped). */
static int vnet_tx_one(struct vnet *vn, struct vnet_txq *tq, struct netbuf *b)
{
	struct netdev *nd = &vn->nd;
	struct virtio_net_hdr hdr = { 0 };	/* §5.1.6.2: num_buffers is 0 on transmit */
	struct virtq_buf vb[2];
	unsigned int nb;
	int r;

	if (b->off < vn->hdr_len || b->len < ETH_HLEN || (uint32_t)b->off + b->len > b->size)
		return -EINVAL;
	if (b->gso_type != NETBUF_GSO_NONE) {
		uint32_t feature = b->gso_type == NETBUF_GSO_TCPV4 ? NETDEV_F_TSO4 :
				   b->gso_type == NETBUF_GSO_TCPV6 ? NETDEV_F_TSO6 : 0;

		/*
		 * §5.1.6.2: a frame the device segments carries NEEDS_CSUM,
		 * its gso_type and gso_size (the payload of each segment), and
		 * hdr_len covering the headers up to the TCP header's end.
		 */
		if (!(nd->features & feature) || !b->csum_needed || b->gso_size == 0 ||
		    b->hdr_len <= b->csum_start || b->hdr_len >= b->len || b->len > NETBUF_TSO_MAX)
			return -EINVAL;
		hdr.gso_type = b->gso_type;
		hdr.gso_size = b->gso_size;
		hdr.hdr_len = b->hdr_len;
	} else if (b->len > nd->mtu + ETH_VLAN_HLEN) {
		return -EINVAL;
	}
	if (b->csum_needed) {
		/*
		 * §5.1.6.2: the device sums from csum_start (counted from the
		 * frame's first byte) to the end and stores the result at
		 * csum_start + csum_offset, which must lie inside the frame.
		 */
		if (!(nd->features & NETDEV_F_TX_CSUM) ||
		    (uint32_t)b->csum_start + b->csum_offset + 2 > b->len)
			return -EINVAL;
		hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		hdr.csum_start = b->csum_start;
		hdr.csum_offset = b->csum_offset;
	}
	memcpy(vnet_hdr_ptr(vn, b), &hdr, vn->hdr_len);
	if (vn->split_hdr) {
		vb[0] = (struct virtq_buf){ vnet_hdr_ptr(vn, b), vn->hdr_len };
		vb[1] = (struct virtq_buf){ b->buf + b->off, b->len };
		nb = 2;
	} else {
		vb[0] = (struct virtq_buf){ vnet_hdr_ptr(vn, b), vn->hdr_len + b->len };
		nb = 1;
	}
	r = virtq_add(tq->vq, vb, nb, 0, b);
	if (r)
		return r;
	nd->stats.tx_packets++;
	nd->stats.tx_bytes += b->len;
	if (b->csum_needed)
		nd->stats.tx_csum++;
	nd->queue_stats[tq->index].tx_packets++;
	return 0;
}

/*
 * Each frame goes to the transmit queue of its flow (net/flow.h), so one
 * flow's frames stay in order. A queue's lock is held across a run of
 * frames for it; a full ring ends the burst there, keeping the order of
 * what the caller will offer again.
 */
static unsigned int vnet_tx_burst(struct netdev *nd, struct netbuf **bufs, unsigned int n)
{
	struct vnet *vn = nd->priv;
	struct vnet_txq *tq = NULL;
	unsigned int i, added = 0;
	uint64_t flags = 0;

	for (i = 0; i < n; i++) {
		struct netbuf *b = bufs[i];
		unsigned int q = 0;
		int r;

		if (nd->queues > 1 && b->len >= ETH_HLEN && (uint32_t)b->off + b->len <= b->size)
			q = net_flow_queue(net_flow_hash(b->buf + b->off, b->len), nd->queues);
		if (tq != &vn->tx[q]) {
			if (tq) {
				if (added)
					virtq_kick(tq->vq);
				spin_unlock_irqrestore(&tq->lock, flags);
			}
			tq = &vn->tx[q];
			flags = spin_lock_irqsave(&tq->lock);
			vnet_tx_reclaim(tq);
			added = 0;
		}
		r = vnet_tx_one(vn, tq, b);
		if (r == -ENOSPC)
			break;
		if (r) {
			nd->stats.tx_errors++;
			netbuf_free(b);
			continue;	/* taken, and dropped: retrying would not help */
		}
		added++;
	}
	if (tq) {
		if (added)
			virtq_kick(tq->vq);
		spin_unlock_irqrestore(&tq->lock, flags);
	}
	return i;
}

static bool vnet_link_up(struct virtio_device *vdev)
{
	/* §5.1.4.2: without VIRTIO_NET_F_STATUS the link is taken to be up. */
	if (!virtio_has_feature(vdev, VIRTIO_NET_F_STATUS))
		return true;
	return virtio_config_read16(vdev, CFG_STATUS) & VIRTIO_NET_S_LINK_UP;
}

/* Interrupt context: the config space changed; only the link status matters to us. */
static void vnet_config_changed(struct virtio_device *vdev)
{
	struct vnet *vn = vdev->priv;
	bool up;

	if (!vn)
		return;
	up = vnet_link_up(vdev);
	if (up != vn->nd.link_up)
		pr_info("%s: link %s\n", vn->nd.name[0] ? vn->nd.name : virtio_name(vdev),
			up ? "up" : "down");
	vn->nd.link_up = up;
}

/* Sends one control command and waits (bounded, polling) for its ack: 0, or -errno. */
static int vnet_ctrl(struct vnet *vn, uint8_t class, uint8_t cmd, const void *data, uint32_t len)
{
	uint8_t *p = vn->ctrl_buf;
	struct virtq_buf b[3] = {
		{ p, 2 }, { p + 2, len }, { p + 2 + len, 1 },
	};
	uint64_t flags;
	uint32_t got;
	void *token;
	int r;

	if (!vn->ctrlq || len == 0 || len > 32)
		return -EINVAL;
	flags = spin_lock_irqsave(&vn->ctrl_lock);
	p[0] = class;
	p[1] = cmd;
	memcpy(p + 2, data, len);
	p[2 + len] = 0xff;
	/* Three descriptors: what legacy devices without ANY_LAYOUT expect, and fine for any other. */
	r = virtq_add(vn->ctrlq, b, 2, 1, vn);
	if (r == 0) {
		virtq_kick(vn->ctrlq);
		token = virtq_poll(vn->ctrlq, &got, VNET_CTRL_TIMEOUT_NS);
		if (!token)
			r = -ETIMEDOUT;
		else if (got < 1 || p[2 + len] != VIRTIO_NET_OK)
			r = -EIO;
	}
	spin_unlock_irqrestore(&vn->ctrl_lock, flags);
	return r;
}

static void vnet_free(struct vnet *vn)
{
	kfree(vn->ctrl_buf);
	kfree(vn);
}

/* The device's max_virtqueue_pairs (§5.1.4), or 1 when it does not offer several. */
static unsigned int vnet_max_pairs(struct virtio_device *vdev)
{
	unsigned int pairs;

	if (!virtio_has_feature(vdev, VIRTIO_NET_F_MQ | VIRTIO_NET_F_CTRL_VQ))
		return 1;
	pairs = virtio_config_read16(vdev, CFG_MAX_PAIRS);
	/* §5.1.4.1: between 1 and 0x8000. */
	if (pairs < 1 || pairs > 0x8000) {
		pr_warn("%s: max_virtqueue_pairs %u out of range; using 1\n", virtio_name(vdev), pairs);
		return 1;
	}
	return pairs;
}

/* Sets up pair q (both queues, receive buffers posted) before DRIVER_OK: 0 or -errno. */
static int vnet_setup_pair(struct vnet *vn, unsigned int q, unsigned int rx_ring)
{
	struct vnet_rxq *rq = &vn->rx[q];
	struct vnet_txq *tq = &vn->tx[q];
	int r = -ENOMEM;

	spin_init(&rq->lock);
	spin_init(&tq->lock);
	rq->index = tq->index = q;
	/* §5.1.2: receiveqN is queue 2(N-1), transmitqN queue 2(N-1)+1. */
	rq->vq = virtio_setup_vq(vn->vdev, 2 * q, rx_ring, vnet_rx_callback, vn, &r);
	if (!rq->vq)
		return r;
	tq->vq = virtio_setup_vq(vn->vdev, 2 * q + 1, VNET_TX_RING, NULL, vn, &r);
	if (!tq->vq)
		return r;
	/* Both start quiet: transmit is reclaimed in tx_burst, receive waits for netdev_set_rx_notify. */
	virtq_disable_cb(tq->vq);
	virtq_disable_cb(rq->vq);
	/* §5.1.5: fill the receive queue; §3.1.1: no notification before DRIVER_OK. */
	vnet_rx_refill(vn, rq);
	if (rq->posted == 0)
		return -ENOMEM;
	vn->nqueues = q + 1;
	return 0;
}

/* The device line's word for the TSO it got: both versions, one, or none. */
static const char *vnet_tso_text(uint32_t features)
{
	switch (features & (NETDEV_F_TSO4 | NETDEV_F_TSO6)) {
	case NETDEV_F_TSO4 | NETDEV_F_TSO6:
		return ", tso";
	case NETDEV_F_TSO4:
		return ", tso (ipv4)";
	case NETDEV_F_TSO6:
		return ", tso (ipv6)";
	default:
		return "";
	}
}

static int vnet_probe(struct virtio_device *vdev)
{
	struct vnet *vn = kcalloc(1, sizeof(*vn));
	unsigned int want, ctrl_index, rx_ring;
	uint16_t dev_mtu = 0;
	int r = -ENOMEM;

	if (!vn)
		return -ENOMEM;
	vn->vdev = vdev;
	spin_init(&vn->ctrl_lock);
	vn->mrg_rxbuf = virtio_has_feature(vdev, VIRTIO_NET_F_MRG_RXBUF);
	vn->hdr_len = virtio_has_feature(vdev, VIRTIO_F_VERSION_1) || vn->mrg_rxbuf ?
		      VNET_HDR_LEN : VNET_HDR_LEN_LEGACY;
	vn->split_hdr = vdev->legacy && !virtio_has_feature(vdev, VIRTIO_F_ANY_LAYOUT);

	if (virtio_has_feature(vdev, VIRTIO_NET_F_MAC)) {
		r = virtio_config_read(vdev, CFG_MAC, vn->nd.mac, sizeof(vn->nd.mac));
		if (r)
			goto fail;
	} else {
		/* §5.1.5: without one from the device, a random locally administered unicast address. */
		uint64_t x = random_u64();

		memcpy(vn->nd.mac, &x, sizeof(vn->nd.mac));
		vn->nd.mac[0] = (uint8_t)((vn->nd.mac[0] & 0xfe) | 0x02);
	}
	vn->nd.mtu = 1500;
	if (virtio_has_feature(vdev, VIRTIO_NET_F_MTU)) {
		dev_mtu = virtio_config_read16(vdev, CFG_MTU);
		if (dev_mtu < ETH_MIN_MTU)
			pr_warn("%s: device MTU %u is below %u; using 1500\n", virtio_name(vdev),
				dev_mtu, ETH_MIN_MTU);
		else
			vn->nd.mtu = MIN(dev_mtu, (uint16_t)(VNET_FRAME_MAX - ETH_VLAN_HLEN));
		if (dev_mtu > vn->nd.mtu)
			pr_warn("%s: device MTU %u; longer frames than %u bytes are dropped\n",
				virtio_name(vdev), dev_mtu, VNET_FRAME_MAX);
	}
	/* Offloads before any frame moves: vnet_rx_one reads them. */
	if (virtio_has_feature(vdev, VIRTIO_NET_F_CSUM))
		vn->nd.features |= NETDEV_F_TX_CSUM;
	if (virtio_has_feature(vdev, VIRTIO_NET_F_GUEST_CSUM))
		vn->nd.features |= NETDEV_F_RX_CSUM;
	/* §5.1.3.1: the TSO features need CSUM; a device offering them without it is not taken up on them. */
	if (virtio_has_feature(vdev, VIRTIO_NET_F_CSUM) && virtio_has_feature(vdev, VIRTIO_NET_F_HOST_TSO4))
		vn->nd.features |= NETDEV_F_TSO4;
	if (virtio_has_feature(vdev, VIRTIO_NET_F_CSUM) && virtio_has_feature(vdev, VIRTIO_NET_F_HOST_TSO6))
		vn->nd.features |= NETDEV_F_TSO6;

	vn->max_pairs = vnet_max_pairs(vdev);
	want = MIN(vn->max_pairs, (unsigned int)VNET_MAX_PAIRS);
	/* §5.1.2: the control queue comes after every pair the device has, used or not. */
	ctrl_index = 2 * vn->max_pairs;
	if (virtio_has_feature(vdev, VIRTIO_NET_F_CTRL_VQ) && ctrl_index >= VIRTIO_MAX_QUEUES) {
		pr_info("%s: control queue %u beyond the %u queues kept; not used, one queue pair\n",
			virtio_name(vdev), ctrl_index, VIRTIO_MAX_QUEUES);
		want = 1;
	}
	rx_ring = want > 1 ? VNET_RX_RING_MQ : VNET_RX_RING;
	for (unsigned int q = 0; q < want; q++) {
		r = vnet_setup_pair(vn, q, rx_ring);
		if (r && q == 0)
			goto fail;
		if (r) {
			/* Fewer pairs still work: the device steers only to the ones we name. */
			pr_warn("%s: queue pair %u cannot be set up (%d); using %u\n", virtio_name(vdev),
				q + 1, r, q);
			break;
		}
	}
	if (virtio_has_feature(vdev, VIRTIO_NET_F_CTRL_VQ) && ctrl_index < VIRTIO_MAX_QUEUES) {
		vn->ctrl_buf = kmalloc(64);
		if (!vn->ctrl_buf) {
			r = -ENOMEM;
			goto fail;
		}
		vn->ctrlq = virtio_setup_vq(vdev, ctrl_index, VNET_CTRL_RING, NULL, vn, &r);
		if (!vn->ctrlq)
			goto fail;
	}

	vn->nd.tx_headroom = (uint16_t)vn->hdr_len;
	vn->nd.tx_burst = vnet_tx_burst;
	vn->nd.rx_burst = vnet_rx_burst;
	vn->nd.rx_interrupts = vnet_rx_interrupts;
	vn->nd.priv = vn;
	vn->nd.link_up = vnet_link_up(vdev);
	/* Until the device takes the pair count, only the first pair may carry frames (§5.1.6.5.6.1). */
	vn->nd.queues = 1;
	vdev->priv = vn;
	vdev->config_changed = vnet_config_changed;

	virtio_device_ready(vdev);
	for (unsigned int q = 0; q < vn->nqueues; q++)
		virtq_kick(vn->rx[q].vq);
	if (vn->ctrlq && virtio_has_feature(vdev, VIRTIO_NET_F_MQ)) {
		/*
		 * §5.1.6.5.6: VQ_PAIRS_SET turns on automatic receive steering
		 * (replies on the receive queue of the pair their flow was sent
		 * from). Said even for one pair, the default after reset: that
		 * checks the control path.
		 */
		uint16_t pairs = (uint16_t)vn->nqueues;

		r = vnet_ctrl(vn, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &pairs,
			      sizeof(pairs));
		if (r)
			pr_warn("%s: VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET failed (%d); one queue pair\n",
				virtio_name(vdev), r);
		else
			vn->nd.queues = pairs;
	}
	netdev_register(&vn->nd);
	pr_info("%s: %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u, link %s, %u of %u queue pairs%s%s%s%s\n",
		vn->nd.name, virtio_name(vdev), vn->nd.mac[0], vn->nd.mac[1], vn->nd.mac[2],
		vn->nd.mac[3], vn->nd.mac[4], vn->nd.mac[5], vn->nd.mtu,
		vn->nd.link_up ? "up" : "down", vn->nd.queues, vn->max_pairs,
		vn->mrg_rxbuf ? ", mergeable rx buffers" : "",
		(vn->nd.features & NETDEV_F_TX_CSUM) ? ", tx checksum" : "",
		(vn->nd.features & NETDEV_F_RX_CSUM) ? ", rx checksum" : "",
		vnet_tso_text(vn->nd.features));
	return 0;
fail:
	/* Before DRIVER_OK the device has not touched the buffers: take them back, then reset. */
	if (vn->rx[0].vq) {
		for (unsigned int q = 0; q < VNET_MAX_PAIRS; q++) {
			struct netbuf *b;

			while (vn->rx[q].vq && (b = virtq_detach_unused(vn->rx[q].vq)))
				netbuf_free(b);
		}
		virtio_device_fail(vdev, "virtio-net setup failed");
	}
	vdev->priv = NULL;
	vnet_free(vn);
	return r;
}

static const struct virtio_driver virtio_net = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.features = VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_MTU | VIRTIO_NET_F_MAC |
		    VIRTIO_NET_F_HOST_TSO4 | VIRTIO_NET_F_HOST_TSO6 | VIRTIO_NET_F_MRG_RXBUF |
		    VIRTIO_NET_F_STATUS | VIRTIO_NET_F_CTRL_VQ | VIRTIO_NET_F_MQ | VIRTIO_F_ANY_LAYOUT,
	.probe = vnet_probe,
};
VIRTIO_DRIVER(virtio_net, 60);
