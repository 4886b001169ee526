/* SPDX-License-Identifier: BSD-2-Clause */
/* Virtqueues, split and packed: descriptor chains with private free lists, event suppression, checked used entries. */
#include <stdarg.h>
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "drivers/virtio/virtqueue.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/page_alloc.h"
#include "kernel/time.h"
#include "lib/format.h"
#include "lib/string.h"

/* Chains at least this long go through one indirect descriptor when the device allows it. */
#define VIRTQ_INDIRECT_MIN	3

/* Without CONFIG_VIRTIO_PACKED the packed paths are dead code the compiler drops. */
#ifdef CONFIG_VIRTIO_PACKED
#define PACKED_BUILT	1
#else
#define PACKED_BUILT	0
#endif

static inline bool is_packed(const struct virtqueue *vq)
{
	return PACKED_BUILT && vq->packed;
}

int virtio_dma_addr(const void *p, size_t len, paddr_t *pa)
{
	uint64_t v = (uint64_t)p;

	/* The direct map and the kernel image are linear in physical memory; stacks and ioremap are not. */
	if (v >= DIRECT_MAP && v < KVA_BASE && len <= KVA_BASE - v) {
		*pa = v - DIRECT_MAP;
		return 0;
	}
	if (v >= KERNEL_VIRT && len <= 0 - v) {
		*pa = v - KERNEL_VIRT;
		return 0;
	}
	return -EFAULT;
}

struct virtqueue *virtq_create(struct virtio_device *vdev, unsigned int index, unsigned int size)
{
	bool packed = PACKED_BUILT && virtio_has_feature(vdev, VIRTIO_F_RING_PACKED);
	struct virtqueue *vq;
	size_t avail_end, used_off, bytes;
	uint8_t *ring;

	if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
		return NULL;
	if (packed) {
		/*
		 * virtio 1.2 §2.8.10.1: the descriptor ring 16-aligned, then
		 * the driver and device event suppression structures, 4 bytes
		 * each, 4-aligned.
		 */
		used_off = 16 * (size_t)size + 4;
		bytes = ALIGN_UP(used_off + 4, (size_t)PAGE_SIZE);
	} else {
		/*
		 * virtio 1.2 §2.7: descriptors 16-aligned, available ring 2, used
		 * ring 4; legacy interfaces (§2.7.2) want the used ring on the next
		 * 4 KiB boundary, which modern ones accept as well.
		 */
		avail_end = 16 * (size_t)size + 4 + 2 * (size_t)size + 2;
		used_off = ALIGN_UP(avail_end, (size_t)VIRTQ_LEGACY_ALIGN);
		bytes = used_off + ALIGN_UP(4 + 8 * (size_t)size + 2, (size_t)PAGE_SIZE);
	}

	vq = kcalloc(1, sizeof(*vq));
	if (!vq)
		return NULL;
	vq->next = kcalloc(size, sizeof(*vq->next));
	vq->slots = kcalloc(size, sizeof(*vq->slots));
	vq->ring_pages = bytes / PAGE_SIZE;
	vq->ring_pa = page_alloc_pages(vq->ring_pages, 0);
	if (!vq->next || !vq->slots || vq->ring_pa == PADDR_INVALID) {
		if (vq->ring_pa != PADDR_INVALID)
			page_free_pages(vq->ring_pa, vq->ring_pages);
		kfree(vq->next);
		kfree(vq->slots);
		kfree(vq);
		return NULL;
	}
	ring = phys_to_virt(vq->ring_pa);
	/* Split: flags 0 in both rings (§2.7.10.1), indices 0. Packed: the descriptor ring starts zeroed (§2.8.13). */
	memset(ring, 0, bytes);

	vq->vdev = vdev;
	vq->index = index;
	vq->size = size;
	vq->packed = packed;
	vq->desc_pa = vq->ring_pa;
	vq->avail_pa = vq->ring_pa + 16 * (size_t)size;
	vq->used_pa = vq->ring_pa + used_off;
	vq->event_idx = virtio_has_feature(vdev, VIRTIO_F_EVENT_IDX);
	vq->indirect = virtio_has_feature(vdev, VIRTIO_F_INDIRECT_DESC);
	vq->msix_vector = 0xffff;
	if (packed) {
		vq->pdesc = (struct virtq_packed_desc *)ring;
		vq->driver_event = (struct virtq_event_suppress *)(ring + 16 * (size_t)size);
		vq->device_event = (struct virtq_event_suppress *)(ring + used_off);
		/* §2.8.1: both wrap counters start at 1. */
		vq->avail_wrap = vq->used_wrap = true;
		if (vq->event_idx) {
			/* Like the split ring's used_event 0: an interrupt when the first descriptor is used. */
			vq->driver_event->off_wrap = RING_EVENT_WRAP;
			vq->driver_event->flags = RING_EVENT_FLAGS_DESC;
		}
	} else {
		vq->desc = (struct virtq_desc *)ring;
		vq->avail = (struct virtq_avail *)(ring + 16 * (size_t)size);
		vq->used = (struct virtq_used *)(ring + used_off);
		vq->used_event = &vq->avail->ring[size];
		vq->avail_event = (volatile uint16_t *)&vq->used->ring[size];
	}

	/* Split: the free descriptor chain; packed: the free buffer IDs. */
	for (unsigned int i = 0; i + 1 < size; i++)
		vq->next[i] = (uint16_t)(i + 1);
	vq->free_head = 0;
	vq->num_free = (uint16_t)size;
	return vq;
}

void virtq_destroy(struct virtqueue *vq)
{
	if (!vq)
		return;
	for (unsigned int i = 0; i < vq->size; i++)
		kfree(vq->slots[i].indirect);
	page_free_pages(vq->ring_pa, vq->ring_pages);
	kfree(vq->next);
	kfree(vq->slots);
	kfree(vq);
}

static __printf(2, 3) void virtq_break(struct virtqueue *vq, const char *fmt, ...)
{
	char what[96];
	va_list ap;

	if (!vq->broken) {
		va_start(ap, fmt);
		fmt_vsnprintf(what, sizeof(what), fmt, ap);
		va_end(ap);
		pr_err("%s: queue %u: %s; queue stopped\n", virtio_name(vq->vdev), vq->index, what);
	}
	vq->broken = true;
}

static void split_add(struct virtqueue *vq, const struct virtq_buf *bufs, unsigned int nout,
		      unsigned int total, struct virtq_desc *table, uint32_t in_len, void *token)
{
	unsigned int needed = table ? 1 : total, head, i, k;
	paddr_t pa = 0;		/* virtq_add checked every address: virtio_dma_addr() sets it */

	head = vq->free_head;
	if (table) {
		/* §2.7.5.3: one descriptor with F_INDIRECT pointing at a table whose chain starts at entry 0. */
		for (k = 0; k < total; k++) {
			virtio_dma_addr(bufs[k].addr, bufs[k].len, &pa);
			table[k].addr = pa;
			table[k].len = bufs[k].len;
			table[k].flags = (uint16_t)((k >= nout ? VIRTQ_DESC_F_WRITE : 0) |
						    (k + 1 < total ? VIRTQ_DESC_F_NEXT : 0));
			table[k].next = (uint16_t)(k + 1 < total ? k + 1 : 0);
		}
		virtio_dma_addr(table, total * sizeof(*table), &pa);
		vq->desc[head].addr = pa;
		vq->desc[head].len = (uint32_t)(total * sizeof(*table));
		vq->desc[head].flags = VIRTQ_DESC_F_INDIRECT;
		vq->desc[head].next = 0;
		vq->free_head = vq->next[head];
	} else {
		i = head;
		for (k = 0; k < total; k++) {
			virtio_dma_addr(bufs[k].addr, bufs[k].len, &pa);
			vq->desc[i].addr = pa;
			vq->desc[i].len = bufs[k].len;
			vq->desc[i].flags = (uint16_t)((k >= nout ? VIRTQ_DESC_F_WRITE : 0) |
						       (k + 1 < total ? VIRTQ_DESC_F_NEXT : 0));
			vq->desc[i].next = k + 1 < total ? vq->next[i] : 0;
			if (k + 1 < total)
				i = vq->next[i];
		}
		vq->free_head = vq->next[i];
	}
	vq->num_free = (uint16_t)(vq->num_free - needed);
	vq->slots[head] = (struct virtq_slot){ token, table, in_len, (uint16_t)needed };

	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = (uint16_t)head;
	vq->avail_idx++;
	/* §2.7.13.3.1: the descriptors and ring entry must be visible before the index that exposes them. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	WRITE_ONCE(vq->avail->idx, vq->avail_idx);
}

/* §2.8.1: an available descriptor has AVAIL equal to the driver's wrap counter and USED its inverse. */
static inline uint16_t packed_avail_flags(bool wrap)
{
	return wrap ? VIRTQ_DESC_F_AVAIL : VIRTQ_DESC_F_USED;
}

static void packed_add(struct virtqueue *vq, const struct virtq_buf *bufs, unsigned int nout,
		       unsigned int total, struct virtq_packed_desc *table, uint32_t in_len,
		       void *token)
{
	unsigned int n = table ? 1 : total;
	uint16_t id = vq->free_head, head = vq->next_avail, pos = head, head_flags = 0;
	bool wrap = vq->avail_wrap;
	paddr_t pa = 0;		/* virtq_add checked every address: virtio_dma_addr() sets it */

	vq->free_head = vq->next[id];
	if (table) {
		/* §2.8.7: the table is read in order; WRITE is its only flag and its IDs are ignored. */
		for (unsigned int k = 0; k < total; k++) {
			virtio_dma_addr(bufs[k].addr, bufs[k].len, &pa);
			table[k] = (struct virtq_packed_desc){ pa, bufs[k].len, 0,
							       k >= nout ? VIRTQ_DESC_F_WRITE : 0 };
		}
	}
	for (unsigned int k = 0; k < n; k++) {
		struct virtq_packed_desc *d = &vq->pdesc[pos];
		uint16_t f;

		if (table) {
			virtio_dma_addr(table, total * sizeof(*table), &pa);
			d->len = (uint32_t)(total * sizeof(*table));
			f = VIRTQ_DESC_F_INDIRECT;
		} else {
			virtio_dma_addr(bufs[k].addr, bufs[k].len, &pa);
			d->len = bufs[k].len;
			f = (uint16_t)((k >= nout ? VIRTQ_DESC_F_WRITE : 0) |
				       (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		}
		d->addr = pa;
		/* §2.8.6: the device reads the ID from the chain's last descriptor; in all of them costs nothing. */
		d->id = id;
		/* The wrap counter may flip inside a chain: each descriptor carries its own lap's bits. */
		f |= packed_avail_flags(wrap);
		if (k == 0)
			head_flags = f;
		else
			WRITE_ONCE(d->flags, f);
		if (++pos == vq->size) {
			pos = 0;
			wrap = !wrap;
		}
	}
	vq->next_avail = pos;
	vq->avail_wrap = wrap;
	vq->num_free = (uint16_t)(vq->num_free - n);
	/* Saturates at the ring size: a whole lap unkicked always crosses the device's event. */
	vq->added = (uint16_t)MIN((unsigned int)vq->added + n, vq->size);
	vq->slots[id] = (struct virtq_slot){ token, table, in_len, (uint16_t)n };
	/* §2.8.21.1: the head's flags expose the whole chain, so they are written last, after a barrier. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	WRITE_ONCE(vq->pdesc[head].flags, head_flags);
}

int virtq_add(struct virtqueue *vq, const struct virtq_buf *bufs, unsigned int nout,
	      unsigned int nin, void *token)
{
	unsigned int total = nout + nin, needed, k;
	void *table = NULL;
	uint32_t in_len = 0;
	paddr_t pa;

	if (vq->broken)
		return -EIO;
	/* §2.7.5.1 (and §2.7.5.3.1 for indirect tables; §2.8.17 packed): no chain longer than the queue. */
	if (!token || total == 0 || nout > vq->size || nin > vq->size || total > vq->size)
		return -EINVAL;
	for (k = 0; k < total; k++) {
		if (bufs[k].len == 0)
			return -EINVAL;
		if (virtio_dma_addr(bufs[k].addr, bufs[k].len, &pa))
			return -EFAULT;
		if (k >= nout) {
			if (in_len + bufs[k].len < in_len)
				return -EINVAL;
			in_len += bufs[k].len;
		}
	}

	/* Both rings' descriptors are 16 bytes, so one table size fits either (§2.7.5, §2.8.13). */
	if (vq->indirect && total > 1 && (total >= VIRTQ_INDIRECT_MIN || total > vq->num_free))
		table = kmalloc(total * sizeof(struct virtq_desc));	/* 16-aligned; within a page or whole pages */
	needed = table ? 1 : total;
	if (vq->num_free < needed) {
		kfree(table);
		return -ENOSPC;
	}
	if (is_packed(vq))
		packed_add(vq, bufs, nout, total, table, in_len, token);
	else
		split_add(vq, bufs, nout, total, table, in_len, token);
	return 0;
}

/* §2.8.10, §2.8.21.2: whether the device's event suppression lets this kick through. */
static bool packed_kick_needed(struct virtqueue *vq)
{
	unsigned int added = vq->added;
	uint16_t off_wrap, flags;
	int now, before, ev;
	uint32_t both;

	vq->added = 0;
	/* The flags that exposed the chains must be visible before we read the device's wishes (store-load). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	both = READ_ONCE(vq->device_event->both);
	off_wrap = (uint16_t)both;
	flags = (both >> 16) & 3;
	if (flags == RING_EVENT_FLAGS_DISABLE)
		return false;
	if (flags != RING_EVENT_FLAGS_DESC || !vq->event_idx || added >= vq->size)
		return true;
	/*
	 * Positions in this lap's terms: what we added since the last kick
	 * is [before, now); the device's event offset lies in this lap when
	 * its wrap bit equals our wrap counter, else in the lap before.
	 */
	now = vq->next_avail;
	before = now - (int)added;
	ev = off_wrap & (RING_EVENT_WRAP - 1);
	if (!!(off_wrap & RING_EVENT_WRAP) != vq->avail_wrap)
		ev -= (int)vq->size;
	return before <= ev && ev < now;
}

void virtq_kick(struct virtqueue *vq)
{
	uint16_t new_idx = vq->avail_idx, old_idx = vq->kicked_idx;
	bool notify;

	if (is_packed(vq)) {
		if (!vq->broken && vq->added && packed_kick_needed(vq))
			vq->vdev->ops->notify(vq);
		return;
	}
	if (vq->broken || new_idx == old_idx)
		return;
	vq->kicked_idx = new_idx;
	/* §2.7.13.4: the index store must be visible before we read the device's suppression fields (store-load). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq->event_idx) {
		/* §2.7.10: notify when avail_event lies among the entries added since the last kick. */
		uint16_t ev = *vq->avail_event;

		notify = (uint16_t)(new_idx - ev - 1) < (uint16_t)(new_idx - old_idx);
	} else {
		notify = !(READ_ONCE(vq->used->flags) & VIRTQ_USED_F_NO_NOTIFY);
	}
	if (notify)
		vq->vdev->ops->notify(vq);
}

static void virtq_free_chain(struct virtqueue *vq, unsigned int head)
{
	struct virtq_slot *s = &vq->slots[head];
	unsigned int last = head;

	for (unsigned int k = 1; k < s->ndesc; k++)
		last = vq->next[last];
	vq->next[last] = vq->free_head;
	vq->free_head = (uint16_t)head;
	vq->num_free = (uint16_t)(vq->num_free + s->ndesc);
	kfree(s->indirect);
	*s = (struct virtq_slot){ 0 };
}

static void packed_free_id(struct virtqueue *vq, unsigned int id)
{
	struct virtq_slot *s = &vq->slots[id];

	vq->num_free = (uint16_t)(vq->num_free + s->ndesc);
	vq->next[id] = vq->free_head;
	vq->free_head = (uint16_t)id;
	kfree(s->indirect);
	*s = (struct virtq_slot){ 0 };
}

/* §2.8.1: a used descriptor has AVAIL and USED both equal to the device's wrap counter, which we track. */
static bool packed_used_at(const struct virtqueue *vq, uint16_t pos)
{
	uint16_t f = READ_ONCE(vq->pdesc[pos].flags);
	uint16_t want = vq->used_wrap ? VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED : 0;

	return (f & (VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED)) == want;
}

/* Used lengths past what a chain lets the device write: legacy devices are clamped (§2.7.8.1), others stop the queue. */
static uint32_t check_used_len(struct virtqueue *vq, uint32_t n, uint32_t in_len)
{
	if (n <= in_len)
		return n;
	if (vq->vdev->legacy) {
		if (!vq->warned_len)
			pr_warn("%s: queue %u: used length %u beyond the %u writable bytes; clamped\n",
				virtio_name(vq->vdev), vq->index, n, in_len);
		vq->warned_len = true;
		return in_len;
	}
	virtq_break(vq, "used length %u beyond the chain's %u writable bytes", n, in_len);
	return 0;
}

static void *packed_get(struct virtqueue *vq, uint32_t *len)
{
	uint16_t pos = vq->next_used, id;
	unsigned int next;
	uint32_t n;
	void *token;

	if (!packed_used_at(vq, pos))
		return NULL;
	/* §2.8.22: the descriptor's ID and length only after the flags that published them. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	id = READ_ONCE(vq->pdesc[pos].id);
	n = READ_ONCE(vq->pdesc[pos].len);
	/* Buffer IDs come back in completion order, not ours (§2.8.8 only with IN_ORDER, never negotiated). */
	if (id >= vq->size || !vq->slots[id].token) {
		virtq_break(vq, "used buffer id %u is not a chain in flight", id);
		return NULL;
	}
	/* §2.8.6: one used descriptor stands for the whole chain; the next one is past all of its descriptors. */
	next = pos + vq->slots[id].ndesc;
	if (next >= vq->size) {
		next -= vq->size;
		vq->used_wrap = !vq->used_wrap;
	}
	vq->next_used = (uint16_t)next;
	token = vq->slots[id].token;
	/* §2.8.4: the length is reserved when the device was given nothing to write. */
	n = vq->slots[id].in_len ? check_used_len(vq, n, vq->slots[id].in_len) : 0;
	packed_free_id(vq, id);
	if (vq->event_idx && !vq->cb_disabled) {
		/* §2.8.10: interrupt again when the device uses the descriptor after this chain. */
		WRITE_ONCE(vq->driver_event->off_wrap,
			   (uint16_t)(vq->next_used | (vq->used_wrap ? RING_EVENT_WRAP : 0)));
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	*len = n;
	return token;
}

void *virtq_get(struct virtqueue *vq, uint32_t *len)
{
	uint16_t used_idx, pending;
	uint32_t id, n;
	void *token;

	if (vq->broken)
		return NULL;
	if (is_packed(vq))
		return packed_get(vq, len);
	used_idx = READ_ONCE(vq->used->idx);
	if (used_idx == vq->last_used)
		return NULL;
	pending = (uint16_t)(used_idx - vq->last_used);
	if (pending > vq->size - vq->num_free) {
		virtq_break(vq, "used.idx %u is %u entries past %u, more than are in flight",
			    used_idx, pending, vq->last_used);
		return NULL;
	}
	/* §2.7.14: read the entry only after the index that published it. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	id = READ_ONCE(vq->used->ring[vq->last_used & (vq->size - 1)].id);
	n = READ_ONCE(vq->used->ring[vq->last_used & (vq->size - 1)].len);
	if (id >= vq->size || !vq->slots[id].token) {
		virtq_break(vq, "used id %u is not a chain in flight", id);
		return NULL;
	}
	vq->last_used++;
	token = vq->slots[id].token;
	n = check_used_len(vq, n, vq->slots[id].in_len);
	virtq_free_chain(vq, id);
	if (vq->event_idx && !vq->cb_disabled) {
		/* §2.7.7: interrupt again when the device fills the entry after this one. */
		*vq->used_event = vq->last_used;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	*len = n;
	return token;
}

void *virtq_poll(struct virtqueue *vq, uint32_t *len, uint64_t timeout_ns)
{
	uint64_t deadline = time_monotonic_ns() + timeout_ns;
	void *token;

	for (;;) {
		token = virtq_get(vq, len);
		if (token || vq->broken)
			return token;
		if (time_monotonic_ns() >= deadline)
			break;
		cpu_relax();
	}
	pr_err("%s: queue %u: no answer within %lu ms\n", virtio_name(vq->vdev), vq->index,
	       timeout_ns / 1000000);
	return NULL;
}

void virtq_disable_cb(struct virtqueue *vq)
{
	if (vq->cb_disabled)
		return;
	vq->cb_disabled = true;
	if (is_packed(vq))
		/* §2.8.10: DISABLE is valid with or without EVENT_IDX. */
		WRITE_ONCE(vq->driver_event->flags, RING_EVENT_FLAGS_DISABLE);
	else if (vq->event_idx)
		/* §2.7.7.1: flags stay 0; an event index just behind us is not reached for 65536 entries. */
		*vq->used_event = (uint16_t)(vq->last_used - 1);
	else
		WRITE_ONCE(vq->avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
}

bool virtq_enable_cb(struct virtqueue *vq)
{
	vq->cb_disabled = false;
	if (is_packed(vq)) {
		if (vq->event_idx) {
			/* The offset first: the device must not see DESC with a stale one. */
			WRITE_ONCE(vq->driver_event->off_wrap,
				   (uint16_t)(vq->next_used | (vq->used_wrap ? RING_EVENT_WRAP : 0)));
			__atomic_thread_fence(__ATOMIC_RELEASE);
			WRITE_ONCE(vq->driver_event->flags, RING_EVENT_FLAGS_DESC);
		} else {
			WRITE_ONCE(vq->driver_event->flags, RING_EVENT_FLAGS_ENABLE);
		}
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		return !packed_used_at(vq, vq->next_used);
	}
	if (vq->event_idx)
		*vq->used_event = vq->last_used;
	else
		WRITE_ONCE(vq->avail->flags, 0);
	/* The device may have used a chain before it saw the request: look again after it is visible. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return READ_ONCE(vq->used->idx) == vq->last_used;
}

void *virtq_detach_unused(struct virtqueue *vq)
{
	for (unsigned int i = 0; i < vq->size; i++) {
		void *token = vq->slots[i].token;

		if (token) {
			if (is_packed(vq))
				packed_free_id(vq, i);
			else
				virtq_free_chain(vq, i);
			return token;
		}
	}
	return NULL;
}

void virtq_interrupt(struct virtqueue *vq)
{
	if (vq->callback)
		vq->callback(vq);
}
