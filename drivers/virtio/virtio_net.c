/* SPDX-License-Identifier: BSD-2-Clause */
/* virtio network device (virtio 1.2 §5.1): the first queue pair as a netdev, with link status and checksum offload. */
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtqueue.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/random.h"
#include "kernel/spinlock.h"
#include "lib/string.h"
#include "net/netdev.h"

/* Feature bits (§5.1.3). */
#define VIRTIO_NET_F_CSUM		(1ull << 0)	/* the device completes partial checksums we send */
#define VIRTIO_NET_F_GUEST_CSUM		(1ull << 1)	/* we accept partial checksums, the device may validate */
#define VIRTIO_NET_F_MTU		(1ull << 3)
#define VIRTIO_NET_F_MAC		(1ull << 5)
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

#define VNET_RX_RING		128	/* receive buffers kept posted (each a 4 KiB page today) */
#define VNET_TX_RING		256
#define VNET_CTRL_RING		4
/* Frame bytes a netbuf holds after its headroom; the longest frame we can take in. */
#define VNET_FRAME_MAX		(NETBUF_SIZE - NETBUF_HEADROOM)
#define ETH_HLEN		14
#define ETH_VLAN_HLEN		18
#define ETH_MIN_MTU		68	/* §5.1.4.1: the device's mtu is at least this */

struct vnet {
	struct netdev nd;
	struct virtio_device *vdev;
	struct virtqueue *rxq, *txq, *ctrlq;
	struct spinlock rx_lock, tx_lock, ctrl_lock;
	unsigned int hdr_len;
	/* Legacy without ANY_LAYOUT: the header in a descriptor of its own (§5.1.6.6 legacy interface). */
	bool split_hdr;
	bool mrg_rxbuf;
	unsigned int rx_posted;		/* receive buffers the device holds */
	/* A frame in several buffers (MRG_RXBUF) whose later ones the device has not returned yet. */
	struct netbuf *partial;
	unsigned int partial_left;
	bool partial_drop;
	uint8_t *ctrl_buf;		/* kmalloc'd: the device reads and writes it */
};

/* The header sits right before the frame, in the netbuf's headroom. */
static inline uint8_t *vnet_hdr_ptr(const struct vnet *vn, struct netbuf *b)
{
	return b->buf + b->off - vn->hdr_len;
}

/* With rx_lock held: gives b to the device as an empty receive buffer. */
static int vnet_rx_post(struct vnet *vn, struct netbuf *b)
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
	r = virtq_add(vn->rxq, bufs, 0, n, b);
	if (r == 0)
		vn->rx_posted++;
	return r;
}

/* With rx_lock held: tops the receive ring up with new buffers; true when any were added. */
static bool vnet_rx_refill(struct vnet *vn)
{
	bool added = false;

	while (vn->rx_posted < vn->rxq->size) {
		struct netbuf *b = netbuf_alloc();

		if (!b)
			break;	/* tried again at the next rx_burst */
		if (vnet_rx_post(vn, b)) {
			netbuf_free(b);	/* ring full (a legacy split header takes two descriptors) */
			break;
		}
		added = true;
	}
	return added;
}

/*
 * With rx_lock held: one used receive buffer of len bytes. Returns a whole
 * frame for the caller, or NULL when b was reposted or holds part of one.
 * A frame over several buffers (MRG_RXBUF, §5.1.6.4) is copied into its
 * first netbuf when it fits there, else dropped and counted in rx_dropped:
 * with buffers of VNET_FRAME_MAX bytes only frames too long for a netbuf
 * span buffers at all.
 */
static struct netbuf *vnet_rx_one(struct vnet *vn, struct netbuf *b, uint32_t len)
{
	struct virtio_net_hdr hdr = { 0 };
	uint16_t nbufs = 1;

	if (vn->partial_left) {
		struct netbuf *first = vn->partial;

		/* Later buffers hold data only, from the start of what we posted. */
		if (!vn->partial_drop && len <= (uint32_t)(VNET_FRAME_MAX - first->len)) {
			memcpy(first->buf + first->off + first->len, vnet_hdr_ptr(vn, b), len);
			first->len = (uint16_t)(first->len + len);
		} else {
			vn->partial_drop = true;
		}
		vnet_rx_post(vn, b);
		if (--vn->partial_left)
			return NULL;
		vn->partial = NULL;
		if (vn->partial_drop) {
			vn->nd.stats.rx_dropped++;
			vnet_rx_post(vn, first);
			return NULL;
		}
		return first;
	}
	if (len < vn->hdr_len + ETH_HLEN) {
		vn->nd.stats.rx_errors++;
		vnet_rx_post(vn, b);
		return NULL;
	}
	memcpy(&hdr, vnet_hdr_ptr(vn, b), vn->hdr_len);
	b->len = (uint16_t)(len - vn->hdr_len);
	if (hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		/* We negotiated no GSO feature: a device that sends one anyway is wrong. */
		vn->nd.stats.rx_errors++;
		vnet_rx_post(vn, b);
		return NULL;
	}
	if (hdr.flags & VIRTIO_NET_HDR_F_DATA_VALID)
		b->csum_valid = true;
	if (hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		/* §5.1.6.4: a partial checksum (GUEST_CSUM): the packet comes from this host and needs no check. */
		b->csum_valid = true;
		b->csum_needed = true;
		b->csum_start = hdr.csum_start;
		b->csum_offset = hdr.csum_offset;
	}
	if (vn->mrg_rxbuf)
		nbufs = hdr.num_buffers;
	if (nbufs == 0) {
		vn->nd.stats.rx_errors++;	/* §5.1.6.4: the device sets at least 1 */
		vnet_rx_post(vn, b);
		return NULL;
	}
	if (nbufs > 1) {
		vn->partial = b;
		vn->partial_left = nbufs - 1u;
		vn->partial_drop = false;
		return NULL;
	}
	return b;
}

static unsigned int vnet_rx_burst(struct netdev *nd, struct netbuf **out, unsigned int n)
{
	struct vnet *vn = nd->priv;
	unsigned int got = 0;
	uint64_t flags = spin_lock_irqsave(&vn->rx_lock);
	uint32_t len;
	void *token;

	while (got < n && (token = virtq_get(vn->rxq, &len))) {
		struct netbuf *b;

		vn->rx_posted--;
		b = vnet_rx_one(vn, token, len);
		if (b) {
			nd->stats.rx_packets++;
			nd->stats.rx_bytes += b->len;
			out[got++] = b;
		}
	}
	/* Reposted buffers and new ones alike need one notification. */
	vnet_rx_refill(vn);
	virtq_kick(vn->rxq);
	spin_unlock_irqrestore(&vn->rx_lock, flags);
	return got;
}

/* Interrupt context: the receive queue has used buffers. The consumer, woken, collects them. */
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
	uint64_t flags = spin_lock_irqsave(&vn->rx_lock);
	bool pending = false;

	if (on)
		pending = !virtq_enable_cb(vn->rxq);
	else
		virtq_disable_cb(vn->rxq);
	spin_unlock_irqrestore(&vn->rx_lock, flags);
	/* Frames that arrived while interrupts were off raise none now: say so once. */
	if (pending)
		vnet_rx_callback(vn->rxq);
}

/* With tx_lock held: frees what the device has sent. Transmit raises no interrupts; this runs instead. */
static void vnet_tx_reclaim(struct vnet *vn)
{
	uint32_t len;
	void *token;

	while ((token = virtq_get(vn->txq, &len)))
		netbuf_free(token);
}

static unsigned int vnet_tx_burst(struct netdev *nd, struct netbuf **bufs, unsigned int n)
{
	struct vnet *vn = nd->priv;
	uint64_t flags = spin_lock_irqsave(&vn->tx_lock);
	unsigned int i, added = 0;

	vnet_tx_reclaim(vn);
	for (i = 0; i < n; i++) {
		struct netbuf *b = bufs[i];
		struct virtio_net_hdr hdr = { 0 };	/* §5.1.6.2: num_buffers is 0 on transmit */
		struct virtq_buf vb[2];
		unsigned int nb;
		int r;

		if (b->off < vn->hdr_len || b->len < ETH_HLEN || b->len > nd->mtu + ETH_VLAN_HLEN ||
		    b->off + b->len > NETBUF_SIZE ||
		    (b->csum_needed && !(nd->features & NETDEV_F_TX_CSUM))) {
			nd->stats.tx_errors++;
			netbuf_free(b);
			continue;	/* taken, and dropped: retrying would not help */
		}
		if (b->csum_needed) {
			/* §5.1.6.2: the device sums from csum_start and stores at csum_start + csum_offset. */
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
		r = virtq_add(vn->txq, vb, nb, 0, b);
		if (r == -ENOSPC)
			break;
		if (r) {
			nd->stats.tx_errors++;
			netbuf_free(b);
			continue;
		}
		nd->stats.tx_packets++;
		nd->stats.tx_bytes += b->len;
		added++;
	}
	if (added)
		virtq_kick(vn->txq);
	spin_unlock_irqrestore(&vn->tx_lock, flags);
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
		pr_info("%s: link %s\n", vn->nd.name, up ? "up" : "down");
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

static int vnet_probe(struct virtio_device *vdev)
{
	struct vnet *vn = kcalloc(1, sizeof(*vn));
	unsigned int pairs = 1;
	uint16_t dev_mtu = 0;
	int r = -ENOMEM;

	if (!vn)
		return -ENOMEM;
	vn->vdev = vdev;
	spin_init(&vn->rx_lock);
	spin_init(&vn->tx_lock);
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
	if (virtio_has_feature(vdev, VIRTIO_NET_F_MQ | VIRTIO_NET_F_CTRL_VQ)) {
		pairs = virtio_config_read16(vdev, CFG_MAX_PAIRS);
		/* §5.1.4.1: between 1 and 0x8000. */
		if (pairs < 1 || pairs > 0x8000) {
			pr_warn("%s: max_virtqueue_pairs %u out of range; using 1\n", virtio_name(vdev),
				pairs);
			pairs = 1;
		}
	}

	/* §5.1.2: receiveq1 is queue 0, transmitq1 queue 1; the control queue comes after every pair. */
	vn->rxq = virtio_setup_vq(vdev, 0, VNET_RX_RING, vnet_rx_callback, vn, &r);
	if (!vn->rxq)
		goto fail;
	vn->txq = virtio_setup_vq(vdev, 1, VNET_TX_RING, NULL, vn, &r);
	if (!vn->txq)
		goto fail;
	if (virtio_has_feature(vdev, VIRTIO_NET_F_CTRL_VQ)) {
		if (2 * pairs < VIRTIO_MAX_QUEUES) {
			vn->ctrl_buf = kmalloc(64);
			if (!vn->ctrl_buf) {
				r = -ENOMEM;
				goto fail;
			}
			vn->ctrlq = virtio_setup_vq(vdev, 2 * pairs, VNET_CTRL_RING, NULL, vn, &r);
			if (!vn->ctrlq)
				goto fail;
		} else {
			pr_info("%s: control queue %u beyond the %u queues kept; not used\n",
				virtio_name(vdev), 2 * pairs, VIRTIO_MAX_QUEUES);
		}
	}
	/* Both start quiet: transmit is reclaimed in tx_burst, receive waits for netdev_set_rx_notify. */
	virtq_disable_cb(vn->txq);
	virtq_disable_cb(vn->rxq);
	/* §5.1.5: fill the receive queue; §3.1.1: no notification before DRIVER_OK. */
	vnet_rx_refill(vn);
	if (vn->rx_posted == 0) {
		r = -ENOMEM;
		goto fail;
	}

	vn->nd.tx_headroom = (uint16_t)vn->hdr_len;
	if (virtio_has_feature(vdev, VIRTIO_NET_F_CSUM))
		vn->nd.features |= NETDEV_F_TX_CSUM;
	if (virtio_has_feature(vdev, VIRTIO_NET_F_GUEST_CSUM))
		vn->nd.features |= NETDEV_F_RX_CSUM;
	vn->nd.tx_burst = vnet_tx_burst;
	vn->nd.rx_burst = vnet_rx_burst;
	vn->nd.rx_interrupts = vnet_rx_interrupts;
	vn->nd.priv = vn;
	vn->nd.link_up = vnet_link_up(vdev);
	vdev->priv = vn;
	vdev->config_changed = vnet_config_changed;
	netdev_register(&vn->nd);

	virtio_device_ready(vdev);
	virtq_kick(vn->rxq);
	if (vn->ctrlq && virtio_has_feature(vdev, VIRTIO_NET_F_MQ)) {
		/*
		 * §5.1.6.5.5: one pair is the default after reset; saying so
		 * checks the control path. More pairs would need queues per CPU.
		 */
		uint16_t one = 1;

		r = vnet_ctrl(vn, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &one, sizeof(one));
		if (r)
			pr_warn("%s: VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET failed (%d)\n", vn->nd.name, r);
	}
	pr_info("%s: %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u, link %s, %u of %u queue pairs%s%s%s\n",
		vn->nd.name, virtio_name(vdev), vn->nd.mac[0], vn->nd.mac[1], vn->nd.mac[2],
		vn->nd.mac[3], vn->nd.mac[4], vn->nd.mac[5], vn->nd.mtu,
		vn->nd.link_up ? "up" : "down", 1u, pairs,
		vn->mrg_rxbuf ? ", mergeable rx buffers" : "",
		(vn->nd.features & NETDEV_F_TX_CSUM) ? ", tx checksum" : "",
		(vn->nd.features & NETDEV_F_RX_CSUM) ? ", rx checksum" : "");
	return 0;
fail:
	/* Before DRIVER_OK the device has not touched the buffers: take them back, then reset. */
	if (vn->rxq) {
		struct netbuf *b;

		while ((b = virtq_detach_unused(vn->rxq)))
			netbuf_free(b);
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
		    VIRTIO_NET_F_MRG_RXBUF | VIRTIO_NET_F_STATUS | VIRTIO_NET_F_CTRL_VQ | VIRTIO_NET_F_MQ |
		    VIRTIO_F_ANY_LAYOUT,
	.probe = vnet_probe,
};
VIRTIO_DRIVER(virtio_net, 60);
