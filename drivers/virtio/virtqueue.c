/* SPDX-License-Identifier: BSD-2-Clause */
/* Split virtqueues: descriptor chains with a private free list, event-index suppression, checked used entries. */
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
	struct virtqueue *vq;
	size_t avail_end, used_off, bytes;
	uint8_t *ring;

	if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
		return NULL;
	/*
	 * virtio 1.2 §2.7: descriptors 16-aligned, available ring 2, used
	 * ring 4; legacy interfaces (§2.7.2) want the used ring on the next
	 * 4 KiB boundary, which modern ones accept as well.
	 */
	avail_end = 16 * (size_t)size + 4 + 2 * (size_t)size + 2;
	used_off = ALIGN_UP(avail_end, (size_t)VIRTQ_LEGACY_ALIGN);
	bytes = used_off + ALIGN_UP(4 + 8 * (size_t)size + 2, (size_t)PAGE_SIZE);

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
	memset(ring, 0, bytes);		/* flags 0 in both rings (§2.7.10.1), indices 0 */

	vq->vdev = vdev;
	vq->index = index;
	vq->size = size;
	vq->desc = (struct virtq_desc *)ring;
	vq->avail = (struct virtq_avail *)(ring + 16 * (size_t)size);
	vq->used = (struct virtq_used *)(ring + used_off);
	vq->used_event = &vq->avail->ring[size];
	vq->avail_event = (volatile uint16_t *)&vq->used->ring[size];
	vq->desc_pa = vq->ring_pa;
	vq->avail_pa = vq->ring_pa + 16 * (size_t)size;
	vq->used_pa = vq->ring_pa + used_off;
	vq->event_idx = virtio_has_feature(vdev, VIRTIO_F_EVENT_IDX);
	vq->indirect = virtio_has_feature(vdev, VIRTIO_F_INDIRECT_DESC);
	vq->msix_vector = 0xffff;

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

int virtq_add(struct virtqueue *vq, const struct virtq_buf *bufs, unsigned int nout,
	      unsigned int nin, void *token)
{
	unsigned int total = nout + nin, needed, head, i, k;
	struct virtq_desc *table = NULL;
	uint32_t in_len = 0;
	paddr_t pa;

	if (vq->broken)
		return -EIO;
	/* §2.7.5.1 (and §2.7.5.3.1 for indirect tables): no chain longer than the queue. */
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

	if (vq->indirect && total > 1 && (total >= VIRTQ_INDIRECT_MIN || total > vq->num_free))
		table = kmalloc(total * sizeof(*table));	/* 16-aligned; within a page or whole pages */
	needed = table ? 1 : total;
	if (vq->num_free < needed) {
		kfree(table);
		return -ENOSPC;
	}

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
	return 0;
}

void virtq_kick(struct virtqueue *vq)
{
	uint16_t new_idx = vq->avail_idx, old_idx = vq->kicked_idx;
	bool notify;

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

void *virtq_get(struct virtqueue *vq, uint32_t *len)
{
	uint16_t used_idx, pending;
	uint32_t id, n;
	void *token;

	if (vq->broken)
		return NULL;
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
	if (n > vq->slots[id].in_len) {
		if (vq->vdev->legacy) {
			if (!vq->warned_len)
				pr_warn("%s: queue %u: used length %u beyond the %u writable bytes; clamped\n",
					virtio_name(vq->vdev), vq->index, n, vq->slots[id].in_len);
			vq->warned_len = true;
			n = vq->slots[id].in_len;
		} else {
			virtq_break(vq, "used length %u beyond the chain's %u writable bytes", n,
				    vq->slots[id].in_len);
			n = 0;
		}
	}
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
	if (vq->event_idx)
		/* §2.7.7.1: flags stay 0; an event index just behind us is not reached for 65536 entries. */
		*vq->used_event = (uint16_t)(vq->last_used - 1);
	else
		WRITE_ONCE(vq->avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
}

bool virtq_enable_cb(struct virtqueue *vq)
{
	vq->cb_disabled = false;
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
