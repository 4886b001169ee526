/* SPDX-License-Identifier: BSD-2-Clause */
/* virtio in a booted guest: the entropy device over whichever transport the machine has; split and packed rings against a fake device. */
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "drivers/pci/pci.h"
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtio_rng.h"
#include "drivers/virtio/virtqueue.h"
#include "kernel/device.h"
#include "kernel/init.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "lib/string.h"

#define RNG_BYTES	64

/* Distinct byte values: 64 random bytes have about 56; a stuck or patterned source far fewer. */
static unsigned int distinct(const uint8_t *p, size_t n)
{
	bool seen[256] = { false };
	unsigned int k = 0;

	for (size_t i = 0; i < n; i++) {
		if (!seen[p[i]])
			k++;
		seen[p[i]] = true;
	}
	return k;
}

KTEST(virtio_rng)
{
	int failures = 0;
	uint8_t a[RNG_BYTES], b[RNG_BYTES];
	const char *transport;
	size_t na, nb;

	/* Boot may have done this already: each step is idempotent. */
	pci_enumerate();
	virtio_mmio_scan(&kernel_cmdline);
	device_probe_all();
	device_list_print();

	transport = virtio_rng_transport();
	KCHECK(transport != NULL);
	if (!transport)
		return failures;
	printk("ktest: virtio_rng via %s\n", transport);

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	na = virtio_rng_read(a, sizeof(a));		/* sleeps for the queue interrupt */
	irq_disable();
	nb = virtio_rng_read(b, sizeof(b));		/* polls the queue */
	irq_enable();
	printk("ktest: virtio_rng read %zu bytes by interrupt, %zu polled; %u and %u distinct values\n",
	       na, nb, distinct(a, na), distinct(b, nb));
	KCHECK(na == RNG_BYTES);
	KCHECK(nb == RNG_BYTES);
	KCHECK(distinct(a, na) > RNG_BYTES / 4);
	KCHECK(distinct(b, nb) > RNG_BYTES / 4);
	KCHECK(memcmp(a, b, sizeof(a)) != 0);
	return failures;
}

/* A device that is only a notification counter: the test plays the device side of the rings itself. */
static unsigned int fake_notifies;

static void fake_notify(struct virtqueue *vq)
{
	(void)vq;
	fake_notifies++;
}

static const struct virtio_transport_ops fake_ops = { .notify = fake_notify };
static struct device fake_dev = { .name = "fake-virtio" };

static struct virtqueue *fake_vq(struct virtio_device *vdev, uint64_t features, bool legacy)
{
	*vdev = (struct virtio_device){ .dev = &fake_dev, .ops = &fake_ops, .features = features,
					.legacy = legacy };
	return virtq_create(vdev, 0, 8);
}

/* The device's side: marks the chain at avail position pos as used with len. */
static void fake_use(struct virtqueue *vq, uint16_t pos, uint32_t id_delta, uint32_t len)
{
	uint16_t used = vq->used->idx;

	vq->used->ring[used & (vq->size - 1)].id = vq->avail->ring[pos & (vq->size - 1)] + id_delta;
	vq->used->ring[used & (vq->size - 1)].len = len;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	WRITE_ONCE(vq->used->idx, (uint16_t)(used + 1));
}

static uint8_t vq_buf[4][64];	/* the kernel image is device-reachable memory too */

KTEST(virtqueue)
{
	int failures = 0, token[4];
	struct virtio_device vdev;
	struct virtqueue *vq;
	struct virtq_buf two[2] = { { vq_buf[0], 16 }, { vq_buf[1], 32 } };
	struct virtq_buf three[3] = { { vq_buf[0], 16 }, { vq_buf[1], 32 }, { vq_buf[2], 8 } };
	uint8_t on_stack[16];
	struct virtq_buf stack_buf = { on_stack, sizeof(on_stack) };
	uint32_t len;

	vq = fake_vq(&vdev, VIRTIO_F_VERSION_1 | VIRTIO_F_EVENT_IDX | VIRTIO_F_INDIRECT_DESC, false);
	KCHECK(vq != NULL);
	if (!vq)
		return failures;

	/* A direct chain of two: two descriptors, notified (avail_event 0 lies in the new range). */
	KCHECK(virtq_add(vq, two, 1, 1, &token[0]) == 0);
	KCHECK(virtq_num_free(vq) == 6);
	KCHECK(vq->desc[vq->avail->ring[0]].flags == VIRTQ_DESC_F_NEXT);
	virtq_kick(vq);
	KCHECK(fake_notifies == 1);
	KCHECK(virtq_get(vq, &len) == NULL);
	fake_use(vq, 0, 0, 32);
	KCHECK(virtq_get(vq, &len) == &token[0] && len == 32);
	KCHECK(virtq_num_free(vq) == 8);
	KCHECK(*vq->used_event == 1);		/* interrupt wanted at the next entry */

	/* Three buffers go through one indirect descriptor. */
	KCHECK(virtq_add(vq, three, 2, 1, &token[1]) == 0);
	KCHECK(virtq_num_free(vq) == 7);
	KCHECK(vq->desc[vq->avail->ring[1]].flags == VIRTQ_DESC_F_INDIRECT);
	KCHECK(vq->desc[vq->avail->ring[1]].len == 3 * sizeof(struct virtq_desc));
	/* The device asked to hear only when avail idx passes 5: no notification for entry 1. */
	*vq->avail_event = 5;
	virtq_kick(vq);
	KCHECK(fake_notifies == 1);
	fake_use(vq, 1, 0, 8);
	KCHECK(virtq_get(vq, &len) == &token[1] && len == 8);
	KCHECK(virtq_num_free(vq) == 8);

	/* Rejected before reaching the ring. */
	KCHECK(virtq_add(vq, &stack_buf, 0, 1, &token[2]) == -EFAULT);
	two[1].len = 0;
	KCHECK(virtq_add(vq, two, 1, 1, &token[2]) == -EINVAL);
	two[1].len = 32;
	KCHECK(virtq_add(vq, two, 0, 0, &token[2]) == -EINVAL);
	for (int i = 0; i < 8; i++)
		KCHECK(virtq_add(vq, two, 0, 1, &token[2]) == 0);
	KCHECK(virtq_add(vq, two, 0, 1, &token[2]) == -ENOSPC);
	while (virtq_detach_unused(vq))
		;
	KCHECK(virtq_num_free(vq) == 8);
	virtq_destroy(vq);

	/* A length beyond what the chain lets the device write: token back with 0, queue stopped. */
	vq = fake_vq(&vdev, VIRTIO_F_VERSION_1, false);
	KCHECK(vq && virtq_add(vq, two, 1, 1, &token[0]) == 0);
	fake_use(vq, 0, 0, 33);
	KCHECK(virtq_get(vq, &len) == &token[0] && len == 0);
	KCHECK(virtq_is_broken(vq));
	KCHECK(virtq_add(vq, two, 1, 1, &token[1]) == -EIO);
	virtq_destroy(vq);

	/* A legacy device gets its length clamped instead (virtio 1.2 §2.7.8.1). */
	vq = fake_vq(&vdev, 0, true);
	KCHECK(vq && virtq_add(vq, two, 1, 1, &token[0]) == 0);
	fake_use(vq, 0, 0, 1000);
	KCHECK(virtq_get(vq, &len) == &token[0] && len == 32);
	KCHECK(!virtq_is_broken(vq));
	/* Without EVENT_IDX the used ring's NO_NOTIFY flag suppresses the kick. */
	KCHECK(virtq_add(vq, two, 1, 1, &token[1]) == 0);
	vq->used->flags = VIRTQ_USED_F_NO_NOTIFY;
	virtq_kick(vq);
	KCHECK(fake_notifies == 1);
	vq->used->flags = 0;
	KCHECK(virtq_add(vq, two, 1, 1, &token[2]) == 0);
	virtq_kick(vq);
	KCHECK(fake_notifies == 2);
	/* An id that is not in flight. */
	fake_use(vq, 1, 5, 0);
	KCHECK(virtq_get(vq, &len) == NULL);
	KCHECK(virtq_is_broken(vq));
	virtq_destroy(vq);

	/* used.idx running ahead of everything in flight, and a device that never answers. */
	vq = fake_vq(&vdev, VIRTIO_F_VERSION_1, false);
	KCHECK(vq && virtq_add(vq, two, 1, 1, &token[0]) == 0);
	KCHECK(virtq_poll(vq, &len, 10 * 1000000) == NULL);
	KCHECK(!virtq_is_broken(vq));
	WRITE_ONCE(vq->used->idx, 100);
	KCHECK(virtq_get(vq, &len) == NULL);
	KCHECK(virtq_is_broken(vq));
	virtq_destroy(vq);
	return failures;
}

#ifdef CONFIG_VIRTIO_PACKED
/* The device's side of a packed ring: writes a used descriptor for buffer id at pos with its wrap counter. */
static void fake_use_packed(struct virtqueue *vq, uint16_t pos, bool wrap, uint16_t id, uint32_t len)
{
	vq->pdesc[pos].id = id;
	vq->pdesc[pos].len = len;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	WRITE_ONCE(vq->pdesc[pos].flags, (uint16_t)((wrap ? VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED : 0) |
						    (len ? VIRTQ_DESC_F_WRITE : 0)));
}

/* §2.8.1: what an available descriptor looks like in the lap with driver wrap counter `wrap`. */
static uint16_t avail_bits(bool wrap)
{
	return wrap ? VIRTQ_DESC_F_AVAIL : VIRTQ_DESC_F_USED;
}

KTEST(virtqueue_packed)
{
	const uint64_t base = VIRTIO_F_VERSION_1 | VIRTIO_F_RING_PACKED;
	int failures = 0, token[4];
	struct virtio_device vdev;
	struct virtqueue *vq;
	struct virtq_buf one[1] = { { vq_buf[3], 8 } };
	struct virtq_buf two[2] = { { vq_buf[0], 16 }, { vq_buf[1], 32 } };
	struct virtq_buf three[3] = { { vq_buf[0], 16 }, { vq_buf[1], 32 }, { vq_buf[2], 8 } };
	uint16_t id_a, id_b;
	uint32_t len;

	fake_notifies = 0;
	vq = fake_vq(&vdev, base | VIRTIO_F_EVENT_IDX | VIRTIO_F_INDIRECT_DESC, false);
	KCHECK(vq && vq->packed && vq->pdesc && !vq->desc);
	if (!vq || !vq->packed)
		return failures + 1;
	/* The driver area (our event suppression) follows the descriptor ring, the device area after it. */
	KCHECK(vq->avail_pa == vq->desc_pa + 8 * 16 && vq->used_pa == vq->avail_pa + 4);
	KCHECK(vq->driver_event->flags == RING_EVENT_FLAGS_DESC && vq->driver_event->off_wrap == RING_EVENT_WRAP);

	/* A direct chain of two: the head exposes it; the buffer ID is in both (the device reads the last). */
	KCHECK(virtq_add(vq, two, 1, 1, &token[0]) == 0);
	KCHECK(virtq_num_free(vq) == 6);
	KCHECK(vq->pdesc[0].flags == (VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_AVAIL));
	KCHECK(vq->pdesc[1].flags == (VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_AVAIL));
	KCHECK(vq->pdesc[0].id == vq->pdesc[1].id);
	virtq_kick(vq);				/* device event flags 0: ENABLE */
	KCHECK(fake_notifies == 1);
	virtq_kick(vq);				/* nothing new: no notification */
	KCHECK(fake_notifies == 1);
	KCHECK(virtq_get(vq, &len) == NULL);
	fake_use_packed(vq, 0, true, vq->pdesc[1].id, 32);
	KCHECK(virtq_get(vq, &len) == &token[0] && len == 32);
	KCHECK(virtq_num_free(vq) == 8 && vq->next_used == 2);
	KCHECK(vq->driver_event->off_wrap == (2 | RING_EVENT_WRAP));	/* interrupt at the next chain */

	/* Three buffers in one indirect descriptor; the device wants to hear only at position 5. */
	KCHECK(virtq_add(vq, three, 2, 1, &token[1]) == 0);
	KCHECK(vq->pdesc[2].flags == (VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_AVAIL));
	KCHECK(vq->pdesc[2].len == 3 * sizeof(struct virtq_packed_desc));
	vq->device_event->off_wrap = 5 | RING_EVENT_WRAP;
	vq->device_event->flags = RING_EVENT_FLAGS_DESC;
	virtq_kick(vq);
	KCHECK(fake_notifies == 1);
	fake_use_packed(vq, 2, true, vq->pdesc[2].id, 8);
	KCHECK(virtq_get(vq, &len) == &token[1] && len == 8);
	/* The device's event at position 3, which the next kick makes available: notified. */
	KCHECK(virtq_add(vq, one, 0, 1, &token[2]) == 0);
	vq->device_event->off_wrap = 3 | RING_EVENT_WRAP;
	virtq_kick(vq);
	KCHECK(fake_notifies == 2);

	/* Completion out of order: B (added second) is used first, at the device's next position. */
	fake_use_packed(vq, 3, true, vq->pdesc[3].id, 8);
	KCHECK(virtq_get(vq, &len) == &token[2]);
	KCHECK(virtq_add(vq, two, 1, 1, &token[0]) == 0);	/* A: positions 4, 5 */
	id_a = vq->pdesc[5].id;
	KCHECK(virtq_add(vq, one, 0, 1, &token[1]) == 0);	/* B: position 6 */
	id_b = vq->pdesc[6].id;
	KCHECK(id_a != id_b);
	fake_use_packed(vq, 4, true, id_b, 4);
	fake_use_packed(vq, 5, true, id_a, 2);
	KCHECK(virtq_get(vq, &len) == &token[1] && len == 4);
	KCHECK(vq->next_used == 5);				/* B held one descriptor */
	KCHECK(virtq_get(vq, &len) == &token[0] && len == 2);
	KCHECK(vq->next_used == 7 && virtq_num_free(vq) == 8);

	/* Callbacks: DISABLE; re-enabling says whether used chains already wait. */
	virtq_disable_cb(vq);
	KCHECK(vq->driver_event->flags == RING_EVENT_FLAGS_DISABLE);
	KCHECK(virtq_add(vq, one, 0, 1, &token[2]) == 0);	/* position 7, the ring's last */
	fake_use_packed(vq, 7, true, vq->pdesc[7].id, 8);
	KCHECK(!virtq_enable_cb(vq));
	KCHECK(vq->driver_event->flags == RING_EVENT_FLAGS_DESC);
	KCHECK(virtq_get(vq, &len) == &token[2]);
	/* Both wrap counters flipped at the ring's end. */
	KCHECK(vq->next_used == 0 && !vq->used_wrap && vq->next_avail == 0 && !vq->avail_wrap);
	KCHECK(virtq_enable_cb(vq));
	KCHECK(vq->driver_event->off_wrap == 0);
	/* A kick the device declines still ends the batch the next kick is judged by. */
	vq->device_event->flags = RING_EVENT_FLAGS_DISABLE;
	virtq_kick(vq);
	KCHECK(fake_notifies == 2);
	vq->device_event->flags = RING_EVENT_FLAGS_DESC;

	/* In the second lap a used descriptor has both bits clear; an old lap's used one is not new. */
	KCHECK(virtq_get(vq, &len) == NULL);
	KCHECK(virtq_add(vq, one, 0, 1, &token[3]) == 0);
	KCHECK(vq->pdesc[0].flags == (VIRTQ_DESC_F_WRITE | avail_bits(false)));
	/* The device's event in the lap before (wrap 1) at 7: behind what was added, no notification. */
	vq->device_event->off_wrap = 7 | RING_EVENT_WRAP;
	virtq_kick(vq);
	KCHECK(fake_notifies == 2);
	fake_use_packed(vq, 0, false, vq->pdesc[0].id, 8);
	KCHECK(virtq_get(vq, &len) == &token[3] && len == 8);
	virtq_destroy(vq);

	/* Without indirect descriptors a chain of three wraps around the ring's end. */
	vq = fake_vq(&vdev, base, false);
	KCHECK(vq != NULL);
	if (!vq)
		return failures;
	for (int i = 0; i < 3; i++) {
		KCHECK(virtq_add(vq, two, 1, 1, &token[0]) == 0);
		fake_use_packed(vq, vq->next_used, true, vq->pdesc[vq->next_used].id, 0);
		KCHECK(virtq_get(vq, &len) == &token[0] && len == 0);
	}
	KCHECK(vq->next_avail == 6);
	KCHECK(virtq_add(vq, three, 2, 1, &token[1]) == 0);	/* positions 6, 7, 0 */
	KCHECK(vq->pdesc[7].flags == (VIRTQ_DESC_F_NEXT | avail_bits(true)));
	KCHECK(vq->pdesc[0].flags == (VIRTQ_DESC_F_WRITE | avail_bits(false)));
	KCHECK(vq->pdesc[6].flags == (VIRTQ_DESC_F_NEXT | avail_bits(true)));
	KCHECK(vq->next_avail == 1 && !vq->avail_wrap);
	/* No EVENT_IDX: the device's flags alone decide. */
	vq->device_event->flags = RING_EVENT_FLAGS_DISABLE;
	virtq_kick(vq);
	KCHECK(fake_notifies == 2);
	fake_use_packed(vq, 6, true, vq->pdesc[0].id, 8);
	KCHECK(virtq_get(vq, &len) == &token[1] && len == 8);
	KCHECK(vq->next_used == 1 && !vq->used_wrap && virtq_num_free(vq) == 8);
	virtq_disable_cb(vq);
	KCHECK(virtq_enable_cb(vq) && vq->driver_event->flags == RING_EVENT_FLAGS_ENABLE);
	vq->device_event->flags = RING_EVENT_FLAGS_ENABLE;
	KCHECK(virtq_add(vq, one, 0, 1, &token[2]) == 0);
	virtq_kick(vq);
	KCHECK(fake_notifies == 3);

	/* A length beyond the writable bytes: token with 0, queue stopped. */
	fake_use_packed(vq, 1, false, vq->pdesc[1].id, 9);
	KCHECK(virtq_get(vq, &len) == &token[2] && len == 0);
	KCHECK(virtq_is_broken(vq));
	KCHECK(virtq_add(vq, one, 0, 1, &token[2]) == -EIO);
	virtq_destroy(vq);

	/* A buffer ID that is not in flight, and chains the device never used, detached after a reset. */
	vq = fake_vq(&vdev, base, false);
	KCHECK(vq && virtq_add(vq, two, 1, 1, &token[0]) == 0 && virtq_add(vq, one, 0, 1, &token[1]) == 0);
	KCHECK(virtq_add(vq, three, 2, 1, &token[2]) == 0 && virtq_num_free(vq) == 2);
	KCHECK(virtq_add(vq, three, 2, 1, &token[3]) == -ENOSPC);
	fake_use_packed(vq, 0, true, 7, 0);
	KCHECK(virtq_get(vq, &len) == NULL && virtq_is_broken(vq));
	for (int i = 0; i < 3; i++)
		KCHECK(virtq_detach_unused(vq) != NULL);
	KCHECK(virtq_detach_unused(vq) == NULL && virtq_num_free(vq) == 8);
	virtq_destroy(vq);
	return failures;
}
#endif
