/* SPDX-License-Identifier: BSD-2-Clause */
/* virtio entropy device (virtio 1.2 §5.4): one request queue; its first answer seeds random_add_entropy(). */
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtio_rng.h"
#include "drivers/virtio/virtqueue.h"
#include "kernel/completion.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/mutex.h"
#include "kernel/random.h"
#include "kernel/spinlock.h"
#include "kernel/time.h"
#include "lib/string.h"

#define RNG_CHUNK		64	/* bytes per request */
#define RNG_SEED_BYTES		32	/* asked for at probe, mixed into the kernel's state on arrival */
#define RNG_QUEUE_SIZE		4	/* never more than two requests in flight */
#define RNG_TIMEOUT_NS		((uint64_t)1000 * 1000000)

struct rng_req {
	uint8_t *buf;			/* kmalloc'd: the device writes it */
	uint32_t len;
	struct completion done;
};

struct virtio_rng {
	struct virtio_device *vdev;
	struct virtqueue *vq;
	struct spinlock lock;		/* guards vq: taken by readers and by the interrupt callback */
	struct mutex readers;		/* one request of ours in flight at a time */
	struct rng_req seed, req;
	bool dead;			/* stopped answering: its buffers may still be written, never reused */
	struct virtio_rng *next;
};

static struct virtio_rng *rngs;

/* With rng->lock held: one used request. */
static void rng_complete(struct virtio_rng *rng, void *token, uint32_t len)
{
	if (token == &rng->seed) {
		random_add_entropy(rng->seed.buf, len);
		pr_debug("%s: %u bytes of entropy mixed in\n", virtio_name(rng->vdev), len);
	} else if (token == &rng->req) {
		rng->req.len = len;
		complete(&rng->req.done);
	}
}

static void rng_callback(struct virtqueue *vq)
{
	struct virtio_rng *rng = vq->priv;
	uint64_t flags = spin_lock_irqsave(&rng->lock);
	uint32_t len;
	void *token;

	while ((token = virtq_get(vq, &len)))
		rng_complete(rng, token, len);
	spin_unlock_irqrestore(&rng->lock, flags);
}

static int rng_submit(struct virtio_rng *rng, struct rng_req *req, uint32_t len)
{
	struct virtq_buf b = { req->buf, len };
	uint64_t flags = spin_lock_irqsave(&rng->lock);
	int r;

	/* §5.4.6.1: the request is one device-writable buffer. */
	r = virtq_add(rng->vq, &b, 0, 1, req);
	if (r == 0)
		virtq_kick(rng->vq);
	spin_unlock_irqrestore(&rng->lock, flags);
	return r;
}

/* One request of up to RNG_CHUNK bytes: the bytes the device gave, or -errno. */
static int rng_request(struct virtio_rng *rng, uint32_t len)
{
	uint64_t deadline = time_monotonic_ns() + RNG_TIMEOUT_NS;
	int r;

	completion_reinit(&rng->req.done);
	rng->req.len = 0;
	r = rng_submit(rng, &rng->req, len);
	if (r)
		return r;
	if (irqs_enabled()) {
		r = wait_for_completion_timeout(&rng->req.done, deadline);
	} else {
		/* Interrupts off (early boot, tests): poll the queue, under the same bound. */
		uint64_t flags = spin_lock_irqsave(&rng->lock);

		r = -ETIMEDOUT;
		for (;;) {
			uint64_t now = time_monotonic_ns();
			uint32_t got;
			void *token;

			if (now >= deadline)
				break;
			token = virtq_poll(rng->vq, &got, deadline - now);
			if (!token)
				break;
			rng_complete(rng, token, got);
			if (token == &rng->req) {
				r = 0;
				break;
			}
		}
		spin_unlock_irqrestore(&rng->lock, flags);
	}
	if (r) {
		pr_err("%s: no entropy within %lu ms; device given up\n", virtio_name(rng->vdev),
		       RNG_TIMEOUT_NS / 1000000);
		rng->dead = true;
		return -ETIMEDOUT;
	}
	return (int)MIN(rng->req.len, len);
}

static struct virtio_rng *rng_first(void)
{
	for (struct virtio_rng *rng = rngs; rng; rng = rng->next)
		if (!rng->dead && !virtq_is_broken(rng->vq))
			return rng;
	return NULL;
}

const char *virtio_rng_transport(void)
{
	struct virtio_rng *rng = rng_first();

	return rng ? rng->vdev->transport : NULL;
}

size_t virtio_rng_read(void *buf, size_t n)
{
	struct virtio_rng *rng = rng_first();
	bool sleep = irqs_enabled();
	uint8_t *out = buf;
	size_t got = 0;

	if (!rng)
		return 0;
	if (sleep)
		mutex_lock(&rng->readers);
	else if (mutex_is_locked(&rng->readers))
		return 0;	/* a sleeping reader owns the request; we cannot wait for it with interrupts off */
	while (got < n && !rng->dead) {
		int r = rng_request(rng, (uint32_t)MIN(n - got, (size_t)RNG_CHUNK));

		if (r <= 0)
			break;	/* an error, or a device with nothing to give */
		memcpy(out + got, rng->req.buf, (size_t)r);
		got += (size_t)r;
	}
	if (sleep)
		mutex_unlock(&rng->readers);
	return got;
}

static int rng_probe(struct virtio_device *vdev)
{
	struct virtio_rng *rng = kcalloc(1, sizeof(*rng));
	int r = -ENOMEM;

	if (!rng)
		return -ENOMEM;
	rng->vdev = vdev;
	spin_init(&rng->lock);
	mutex_init(&rng->readers);
	completion_init(&rng->seed.done);
	completion_init(&rng->req.done);
	rng->seed.buf = kmalloc(RNG_SEED_BYTES);
	rng->req.buf = kmalloc(RNG_CHUNK);
	if (!rng->seed.buf || !rng->req.buf)
		goto fail;
	/* §5.4.2: one queue, requestq. */
	rng->vq = virtio_setup_vq(vdev, 0, RNG_QUEUE_SIZE, rng_callback, rng, &r);
	if (!rng->vq)
		goto fail;
	vdev->priv = rng;
	virtio_device_ready(vdev);
	/* The seed's answer arrives by interrupt; nobody waits for it (boot does not). */
	r = rng_submit(rng, &rng->seed, RNG_SEED_BYTES);
	if (r) {
		pr_err("%s: cannot queue the seed request (%d)\n", virtio_name(vdev), r);
		goto fail;
	}
	rng->next = rngs;
	rngs = rng;
	return 0;
fail:
	/* Reset before freeing: the queue's callback must not find rng gone. */
	if (rng->vq)
		virtio_device_fail(vdev, "virtio-rng setup failed");
	vdev->priv = NULL;
	kfree(rng->seed.buf);
	kfree(rng->req.buf);
	kfree(rng);
	return r;
}

static const struct virtio_driver virtio_rng = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.features = 0,		/* §5.4.3: the entropy device has no feature bits */
	.probe = rng_probe,
};
VIRTIO_DRIVER(virtio_rng, 50);
