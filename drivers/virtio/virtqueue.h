/* SPDX-License-Identifier: BSD-2-Clause */
/* Virtqueues, split (virtio 1.2 §2.7) and packed (§2.8): adding buffer chains, notifying, collecting used buffers. */
#ifndef DRIVERS_VIRTIO_VIRTQUEUE_H
#define DRIVERS_VIRTIO_VIRTQUEUE_H

#include <mote/compiler.h>
#include <mote/types.h>
#include "drivers/virtio/virtio.h"

/* Ring layouts (virtio 1.2 §2.7.5, §2.7.6, §2.7.8); little-endian, as is x86. */
#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2
#define VIRTQ_DESC_F_INDIRECT	4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY	1

/* Packed ring layouts (virtio 1.2 §2.8.1, §2.8.10, §2.8.13, §2.8.14). */
#define VIRTQ_DESC_F_AVAIL	(1 << 7)
#define VIRTQ_DESC_F_USED	(1 << 15)
#define RING_EVENT_FLAGS_ENABLE	0
#define RING_EVENT_FLAGS_DISABLE 1
#define RING_EVENT_FLAGS_DESC	2	/* only with VIRTIO_F_EVENT_IDX */
#define RING_EVENT_WRAP		(1 << 15)	/* in off_wrap, above the 15-bit offset */

/* The largest queue the core makes unless a driver asks for more (and both rings' limit, §2.7, §2.8). */
#define VIRTQ_DEFAULT_SIZE	256
#define VIRTQ_MAX_SIZE		32768
/* Legacy interfaces put the used ring on the next 4096-byte boundary (virtio 1.2 §2.7.2). */
#define VIRTQ_LEGACY_ALIGN	4096

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];	/* then used_event */
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];	/* then avail_event */
};

struct virtq_packed_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};

struct virtq_event_suppress {
	union {
		struct {
			uint16_t off_wrap;
			uint16_t flags;
		};
		uint32_t both;		/* one read cannot mix two of the device's updates */
	};
};

/* One element of a chain: kernel memory, physically contiguous (kmalloc, page_alloc, the kernel image). */
struct virtq_buf {
	void *addr;
	uint32_t len;
};

/* Per chain (split: by head descriptor; packed: by buffer ID): what virtq_get checks and undoes. */
struct virtq_slot {
	void *token;			/* NULL: not in flight */
	void *indirect;			/* the kmalloc'd table, or NULL */
	uint32_t in_len;		/* device-writable bytes: the most `len` may say */
	uint16_t ndesc;			/* descriptors it holds in the ring */
};

/*
 * A queue. Not locked: the driver serialises virtq_add/kick/get on a
 * queue (a spinlock with interrupts saved when its callback also runs
 * them). The callback runs in interrupt context.
 */
struct virtqueue {
	struct virtio_device *vdev;
	unsigned int index;
	unsigned int size;		/* entries, a power of two */
	virtq_callback_fn callback;
	void *priv;			/* the driver's */

	/* Split ring (NULL when packed) */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	volatile uint16_t *used_event;	/* at the end of the available ring */
	volatile uint16_t *avail_event;	/* at the end of the used ring */

	/* Packed ring (VIRTIO_F_RING_PACKED; NULL when split) */
	struct virtq_packed_desc *pdesc;
	volatile struct virtq_event_suppress *driver_event;	/* ours: when the device interrupts */
	volatile struct virtq_event_suppress *device_event;	/* the device's: when we notify */
	uint16_t next_avail, next_used;	/* ring positions of the next chain we add, and look for used */
	bool avail_wrap, used_wrap;	/* the driver's and the device's ring wrap counters (§2.8.1) */
	uint16_t added;			/* descriptors made available since the last virtq_kick */

	/* Both: the transport's addresses are the descriptor, driver and device areas (§2.6) */
	paddr_t ring_pa;		/* page_alloc_pages() run holding all three */
	size_t ring_pages;
	paddr_t desc_pa, avail_pa, used_pa;

	bool packed;
	bool event_idx, indirect;	/* negotiated VIRTIO_F_EVENT_IDX, VIRTIO_F_INDIRECT_DESC */
	bool cb_disabled;
	bool broken;			/* the device misbehaved: no more adds or gets */
	bool warned_len;
	uint16_t num_free;		/* free descriptors in the ring */
	uint16_t free_head;		/* split: first free descriptor; packed: first free buffer ID */
	uint16_t avail_idx;		/* split: our copy of avail->idx */
	uint16_t kicked_idx;		/* split: avail->idx at the last virtq_kick */
	uint16_t last_used;		/* split: next used entry to look at */
	uint16_t *next;			/* private links (split: chains, packed: free IDs): the device cannot corrupt them */
	struct virtq_slot *slots;

	/* The transport's */
	volatile void *notify_addr;
	uint16_t msix_vector;
};

/*
 * Rings for size entries (a power of two), zeroed: packed when
 * VIRTIO_F_RING_PACKED was negotiated, else split in the legacy layout,
 * which also fits modern devices.
 */
struct virtqueue *virtq_create(struct virtio_device *vdev, unsigned int index, unsigned int size);
/* Frees the rings and any indirect tables; the device must no longer use them (reset first). */
void virtq_destroy(struct virtqueue *vq);

/*
 * Exposes one chain: nout device-readable buffers, then nin device-writable
 * ones. Uses one indirect descriptor (VIRTIO_F_INDIRECT_DESC) when the
 * chain is long or the table is short of entries. token (not NULL) comes
 * back from virtq_get. Returns 0, -EINVAL (empty chain, a zero length,
 * longer than the queue), -EFAULT (memory the device cannot reach: stacks,
 * ioremap), -ENOSPC (no free descriptors), -EIO (the queue is broken).
 */
int virtq_add(struct virtqueue *vq, const struct virtq_buf *bufs, unsigned int nout,
	      unsigned int nin, void *token);
/* Notifies the device of what was added, unless it asked not to be (virtio 1.2 §2.7.10, §2.8.10). */
void virtq_kick(struct virtqueue *vq);
/*
 * The next used chain's token and the bytes the device wrote into it, or
 * NULL when there is none. A device that returns an id not in flight or
 * moves used.idx by more than the queue size breaks the queue (message,
 * then NULL for good); a length beyond the chain's writable bytes gives
 * the token with *len = 0 and breaks the queue (legacy devices: clamped,
 * §2.7.8.1 says their lengths were often wrong).
 */
void *virtq_get(struct virtqueue *vq, uint32_t *len);
/*
 * virtq_get, busy-waiting up to timeout_ns for a used chain (boot time,
 * interrupts off). NULL after the bound, with a message.
 */
void *virtq_poll(struct virtqueue *vq, uint32_t *len, uint64_t timeout_ns);

/* Asks the device not to interrupt for this queue (a hint: callbacks may still come). */
void virtq_disable_cb(struct virtqueue *vq);
/*
 * Asks for an interrupt at the next used chain. Returns false when used
 * chains are already waiting (the caller should virtq_get them: no
 * interrupt may come for those).
 */
bool virtq_enable_cb(struct virtqueue *vq);

/* Chains the device never used, one at a time, after a reset (to free their buffers); NULL at the end. */
void *virtq_detach_unused(struct virtqueue *vq);

static inline unsigned int virtq_num_free(const struct virtqueue *vq)
{
	return vq->num_free;
}

static inline bool virtq_is_broken(const struct virtqueue *vq)
{
	return vq->broken;
}

/* For transports and the core: calls the callback (interrupt context). */
void virtq_interrupt(struct virtqueue *vq);

/* The guest-physical address of [p, p + len) for a device, or -EFAULT for memory without one. */
int virtio_dma_addr(const void *p, size_t len, paddr_t *pa);

#endif
