/* SPDX-License-Identifier: BSD-2-Clause */
/* virtio block device (virtio 1.2 §5.2): one request queue, many requests in flight, registered as a blkdev. */
#include <mote/compiler.h>
#include <mote/errno.h>
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtqueue.h"
#include "kernel/blkdev.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/spinlock.h"
#include "lib/list.h"

/* Feature bits (§5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX	(1ull << 1)
#define VIRTIO_BLK_F_SEG_MAX	(1ull << 2)
#define VIRTIO_BLK_F_RO		(1ull << 5)
#define VIRTIO_BLK_F_BLK_SIZE	(1ull << 6)
#define VIRTIO_BLK_F_FLUSH	(1ull << 9)
#define VIRTIO_BLK_F_DISCARD	(1ull << 13)

/* Configuration layout offsets (§5.2.4). */
#define VBLK_CFG_CAPACITY	0	/* le64, in 512-byte sectors whatever blk_size says */
#define VBLK_CFG_SIZE_MAX	8	/* le32 */
#define VBLK_CFG_SEG_MAX	12	/* le32 */
#define VBLK_CFG_BLK_SIZE	20	/* le32 */
#define VBLK_CFG_MAX_DISCARD_SECTORS 36	/* le32 */
#define VBLK_CFG_MAX_DISCARD_SEG 40	/* le32 */

/* Request types and status values (§5.2.6). */
#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4
#define VIRTIO_BLK_T_DISCARD	11
#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_IOERR	1
#define VIRTIO_BLK_S_UNSUPP	2
/* Not a status the device may write: one still there after completion means it wrote none. */
#define VBLK_STATUS_NONE	0xff

/*
 * A segment without SIZE_MAX may be as long as a descriptor allows; this
 * keeps lengths far from 32-bit overflow and lets a huge request still
 * go out in pieces that other requests can interleave with.
 */
#define VBLK_SEG_DEFAULT	(4u << 20)
/* Data descriptors per device request at most: also the size of the chain scratch array. */
#define VBLK_SEGS_CAP		64

/* The request header (§5.2.6): 16 bytes, device-readable. */
struct virtio_blk_outhdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

/* One range of a discard request (§5.2.6: struct virtio_blk_discard_write_zeroes). */
struct virtio_blk_discard {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;		/* the unmap bit is for WRITE_ZEROES only; 0 for discard */
};

/*
 * What the device reads and writes besides the data, per slot: kmalloc'd,
 * so it sits in the direct map, physically contiguous (a stack or the
 * struct blk_request of a caller may not be).
 */
struct vblk_cmd {
	struct virtio_blk_outhdr hdr;
	struct virtio_blk_discard seg;
	uint8_t status;
};

/* One device request in flight: a whole blk_request, or one piece of a large one. */
struct vblk_slot {
	struct vblk_cmd *cmd;
	struct blk_request *r;		/* NULL: free */
	bool whole;			/* covers all of r: its completion completes r */
	struct vblk_slot *next_free;
};

struct virtio_blk {
	struct virtio_device *vdev;
	struct virtqueue *vq;
	/* Guards vq, the slots, pending and head_done: taken by submitters and the interrupt callback. */
	struct spinlock lock;
	struct blkdev blk;
	struct vblk_slot *slots, *free;
	unsigned int nslots;
	/* blk_requests not yet wholly on the ring, oldest first (their link is ours while in flight). */
	struct list_node pending;
	uint32_t head_done;		/* sectors of the pending head already on the ring */
	uint32_t seg_bytes;		/* longest data segment (SIZE_MAX) */
	unsigned int max_segs;		/* data segments per device request (SEG_MAX, the ring) */
	uint32_t max_rw;		/* sectors per read/write device request */
	uint32_t max_discard;		/* sectors per discard device request */
	struct virtq_buf chain[VBLK_SEGS_CAP + 3];	/* scratch for building one chain, under lock */
};

static int vblk_status_errno(uint8_t s)
{
	switch (s) {
	case VIRTIO_BLK_S_OK:
		return 0;
	case VIRTIO_BLK_S_UNSUPP:
		return -EOPNOTSUPP;
	default:
		return -EIO;	/* IOERR, or no status written at all */
	}
}

/* r's device requests: r is done when none is left and it is no longer pending. */
static bool vblk_in_flight(const struct virtio_blk *vb, const struct blk_request *r)
{
	for (unsigned int i = 0; i < vb->nslots; i++)
		if (vb->slots[i].r == r)
			return true;
	return false;
}

static bool vblk_is_head(struct virtio_blk *vb, const struct blk_request *r)
{
	return !list_empty(&vb->pending) &&
	       list_entry(vb->pending.next, struct blk_request, link) == r;
}

/*
 * With vb->lock held: puts the next piece of the pending head on the ring.
 * Returns 0, -ENOSPC when the ring or the slots are full (try again after a
 * completion), or another -errno that fails the request.
 */
static int vblk_issue_one(struct virtio_blk *vb, struct blk_request *r)
{
	struct vblk_slot *s = vb->free;
	struct vblk_cmd *c;
	unsigned int nout, nin, n = 0;
	uint32_t sectors = 0;
	int e;

	if (!s)
		return -ENOSPC;
	c = s->cmd;
	c->hdr.reserved = 0;
	c->status = VBLK_STATUS_NONE;
	vb->chain[n++] = (struct virtq_buf){ &c->hdr, sizeof(c->hdr) };
	switch (r->op) {
	case BLK_FLUSH:
		c->hdr.type = VIRTIO_BLK_T_FLUSH;
		c->hdr.sector = 0;	/* §5.2.6.1: a flush carries sector 0 */
		nout = 1;
		break;
	case BLK_DISCARD:
		sectors = MIN(r->count - vb->head_done, vb->max_discard);
		c->hdr.type = VIRTIO_BLK_T_DISCARD;
		c->hdr.sector = 0;
		c->seg = (struct virtio_blk_discard){ r->sector + vb->head_done, sectors, 0 };
		vb->chain[n++] = (struct virtq_buf){ &c->seg, sizeof(c->seg) };
		nout = 2;
		break;
	default: {
		/* The buffer is in the direct map or the kernel image, so linear in physical memory:
		 * segments are cut only where SIZE_MAX says, never at page boundaries. */
		uint8_t *p = (uint8_t *)r->buf + (size_t)vb->head_done * BLK_SECTOR;
		size_t left;

		sectors = MIN(r->count - vb->head_done, vb->max_rw);
		left = (size_t)sectors * BLK_SECTOR;
		while (left) {
			uint32_t len = (uint32_t)MIN(left, (size_t)vb->seg_bytes);

			vb->chain[n++] = (struct virtq_buf){ p, len };
			p += len;
			left -= len;
		}
		c->hdr.type = r->op == BLK_READ ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT;
		c->hdr.sector = r->sector + vb->head_done;
		nout = r->op == BLK_READ ? 1 : n;
		break;
	}
	}
	/*
	 * §5.2.6: the status byte comes last, device-writable; in a descriptor
	 * of its own, like the header, as legacy devices require (§5.2.6.3).
	 */
	vb->chain[n++] = (struct virtq_buf){ &c->status, 1 };
	nin = n - nout;
	e = virtq_add(vb->vq, vb->chain, nout, nin, s);
	if (e)
		return e;
	vb->free = s->next_free;
	s->r = r;
	s->whole = vb->head_done == 0 && sectors == r->count;
	vb->head_done += sectors;
	if (vb->head_done >= r->count) {	/* FLUSH: count 0, one request */
		list_remove(&r->link);
		vb->head_done = 0;
	}
	return 0;
}

/*
 * With vb->lock held: moves pending requests onto the ring while there is
 * room. Requests that fail before reaching the device go to done (their
 * callbacks must run without the lock: they may submit again).
 */
static void vblk_issue(struct virtio_blk *vb, struct list_node *done)
{
	bool added = false;

	while (!list_empty(&vb->pending)) {
		struct blk_request *r = list_entry(vb->pending.next, struct blk_request, link);
		int e = vblk_issue_one(vb, r);

		if (e == -ENOSPC)
			break;
		if (e) {
			/* A buffer the device cannot reach (-EFAULT) or a broken queue (-EIO). */
			if (!r->status)
				r->status = e;
			list_remove(&r->link);
			vb->head_done = 0;
			if (!vblk_in_flight(vb, r))
				list_push_back(done, &r->link);
			continue;
		}
		added = true;
	}
	if (added)
		virtq_kick(vb->vq);
}

static void vblk_run_done(struct list_node *done)
{
	struct list_node *n;

	while ((n = list_pop_front(done))) {
		struct blk_request *r = list_entry(n, struct blk_request, link);

		r->done(r, r->status);	/* r may be gone after this */
	}
}

static void vblk_callback(struct virtqueue *vq)
{
	struct virtio_blk *vb = vq->priv;
	struct list_node done = LIST_INIT(done);
	uint64_t flags = spin_lock_irqsave(&vb->lock);
	struct vblk_slot *s;
	uint32_t len;

	while ((s = virtq_get(vq, &len))) {
		struct blk_request *r = s->r;
		/* len counts the status byte last: 0 means the device wrote nothing we can trust. */
		int e = len ? vblk_status_errno(s->cmd->status) : -EIO;

		if (e && !r->status)
			r->status = e;
		s->r = NULL;
		s->next_free = vb->free;
		vb->free = s;
		if (s->whole || (!vblk_is_head(vb, r) && !vblk_in_flight(vb, r)))
			list_push_back(&done, &r->link);
	}
	vblk_issue(vb, &done);
	spin_unlock_irqrestore(&vb->lock, flags);
	vblk_run_done(&done);
}

static int vblk_submit(struct blkdev *b, struct blk_request *r)
{
	struct virtio_blk *vb = b->priv;
	struct list_node done = LIST_INIT(done);
	uint64_t flags;

	if (virtq_is_broken(vb->vq))
		return -EIO;
	/* While the request is ours, status collects its first error (done() gets it). */
	r->status = 0;
	flags = spin_lock_irqsave(&vb->lock);
	list_push_back(&vb->pending, &r->link);
	vblk_issue(vb, &done);
	spin_unlock_irqrestore(&vb->lock, flags);
	vblk_run_done(&done);
	return 0;
}

static void vblk_free(struct virtio_blk *vb)
{
	if (vb->slots)
		for (unsigned int i = 0; i < vb->nslots; i++)
			kfree(vb->slots[i].cmd);
	kfree(vb->slots);
	kfree(vb);
}

/* Reads the limits the negotiated features give and derives the request sizes from them. */
static int vblk_read_config(struct virtio_blk *vb)
{
	struct virtio_device *vdev = vb->vdev;
	uint32_t per_block, bytes;
	uint64_t cap;

	if (virtio_config_read64(vdev, VBLK_CFG_CAPACITY, &cap))
		return -EIO;
	vb->blk.sectors = cap;
	vb->blk.block_size = BLK_SECTOR;
	if (virtio_has_feature(vdev, VIRTIO_BLK_F_BLK_SIZE)) {
		uint32_t bs = virtio_config_read32(vdev, VBLK_CFG_BLK_SIZE);

		/* A hint for performance (§5.2.4), and blkdev's alignment unit: take only sane ones. */
		if (bs >= BLK_SECTOR && bs <= 65536 && !(bs & (bs - 1)))
			vb->blk.block_size = bs;
		else
			pr_warn("%s: block size %u ignored; using 512\n", virtio_name(vdev), bs);
	}
	per_block = vb->blk.block_size / BLK_SECTOR;

	vb->seg_bytes = VBLK_SEG_DEFAULT;
	if (virtio_has_feature(vdev, VIRTIO_BLK_F_SIZE_MAX)) {
		uint32_t sm = virtio_config_read32(vdev, VBLK_CFG_SIZE_MAX);

		if (sm)
			vb->seg_bytes = MIN(sm, VBLK_SEG_DEFAULT);
	}
	/* Without indirect descriptors a request takes header + segments + status of the ring. */
	vb->max_segs = MIN((unsigned int)VBLK_SEGS_CAP, vb->vq->size - 2);
	if (virtio_has_feature(vdev, VIRTIO_BLK_F_SEG_MAX)) {
		uint32_t sm = virtio_config_read32(vdev, VBLK_CFG_SEG_MAX);

		if (sm)
			vb->max_segs = MIN(vb->max_segs, sm);
	}
	/* Whole blocks per request, however the device cut its segments. */
	bytes = (uint32_t)MIN((uint64_t)vb->seg_bytes * vb->max_segs, (uint64_t)VBLK_SEG_DEFAULT * 4);
	vb->max_rw = ALIGN_DOWN(bytes / BLK_SECTOR, per_block);
	if (vb->max_rw == 0) {
		pr_err("%s: %u segments of %u bytes cannot carry one %u-byte block\n", virtio_name(vdev),
		       vb->max_segs, vb->seg_bytes, vb->blk.block_size);
		return -EINVAL;
	}

	vb->blk.read_only = virtio_has_feature(vdev, VIRTIO_BLK_F_RO);
	/* §5.2.5: without FLUSH (and CONFIG_WCE) the device writes through; there is nothing to flush. */
	vb->blk.can_flush = virtio_has_feature(vdev, VIRTIO_BLK_F_FLUSH);
	vb->blk.can_discard = false;
	if (virtio_has_feature(vdev, VIRTIO_BLK_F_DISCARD)) {
		uint32_t ms = virtio_config_read32(vdev, VBLK_CFG_MAX_DISCARD_SECTORS);
		uint32_t mseg = virtio_config_read32(vdev, VBLK_CFG_MAX_DISCARD_SEG);

		/* We send one segment per request; a device allowing none, or zero sectors, cannot discard. */
		vb->max_discard = ALIGN_DOWN(ms, per_block);
		vb->blk.can_discard = mseg >= 1 && vb->max_discard > 0;
	}
	return 0;
}

static int vblk_probe(struct virtio_device *vdev)
{
	struct virtio_blk *vb = kcalloc(1, sizeof(*vb));
	int r = -ENOMEM;

	if (!vb)
		return -ENOMEM;
	vb->vdev = vdev;
	spin_init(&vb->lock);
	list_init(&vb->pending);
	/* §5.2.2: one queue, requestq (we do not negotiate VIRTIO_BLK_F_MQ). */
	vb->vq = virtio_setup_vq(vdev, 0, 0, vblk_callback, vb, &r);
	if (!vb->vq)
		goto fail;
	/*
	 * With indirect descriptors (§2.7.5.3) a request takes one entry of the
	 * ring, its table coming from the heap, which is interrupt-safe; without
	 * them it takes three (header, data, status) or more.
	 */
	if (vb->vq->size < 3) {
		pr_err("%s: a %u-entry queue cannot hold one request\n", virtio_name(vdev), vb->vq->size);
		r = -ENOSPC;
		goto fail;
	}
	r = vblk_read_config(vb);
	if (r)
		goto fail;
	vb->nslots = vb->vq->indirect ? vb->vq->size : vb->vq->size / 3;
	vb->slots = kcalloc(vb->nslots, sizeof(*vb->slots));
	if (!vb->slots) {
		r = -ENOMEM;
		goto fail;
	}
	for (unsigned int i = 0; i < vb->nslots; i++) {
		vb->slots[i].cmd = kmalloc(sizeof(struct vblk_cmd));
		if (!vb->slots[i].cmd) {
			r = -ENOMEM;
			goto fail;
		}
		vb->slots[i].next_free = vb->free;
		vb->free = &vb->slots[i];
	}
	vb->blk.queue_depth = vb->nslots;
	vb->blk.submit = vblk_submit;
	vb->blk.priv = vb;
	vdev->priv = vb;
	virtio_device_ready(vdev);
	blkdev_register(&vb->blk);
	pr_info("%s: %s: %lu sectors (%lu MiB), block %u, depth %u, segments %u x %u bytes%s%s%s\n",
		virtio_name(vdev), vb->blk.name, vb->blk.sectors, vb->blk.sectors >> 11,
		vb->blk.block_size, vb->nslots, vb->max_segs, vb->seg_bytes,
		vb->blk.read_only ? ", read-only" : "", vb->blk.can_flush ? ", flush" : "",
		vb->blk.can_discard ? ", discard" : "");
	return 0;
fail:
	/* Reset before freeing: the queue's callback must not find vb gone. */
	if (vb->vq)
		virtio_device_fail(vdev, "virtio-blk setup failed");
	vdev->priv = NULL;
	vblk_free(vb);
	return r;
}

static const struct virtio_driver virtio_blk = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.features = VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_RO |
		    VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_DISCARD,
	.probe = vblk_probe,
};
VIRTIO_DRIVER(virtio_blk, 60);
