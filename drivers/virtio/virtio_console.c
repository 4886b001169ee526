/* SPDX-License-Identifier: BSD-2-Clause */
/* virtio console device (virtio 1.2 §5.3): port 0 as an additional kernel console, output and input. */
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtio_console.h"
#include "drivers/virtio/virtqueue.h"
#include "kernel/console.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/spinlock.h"
#include "kernel/time.h"
#include "lib/format.h"
#include "lib/string.h"

/* Queues of port 0 without VIRTIO_CONSOLE_F_MULTIPORT (virtio 1.2 §5.3.2). */
#define VCON_RECEIVEQ0		0
#define VCON_TRANSMITQ0		1

/*
 * Transmit: a fixed ring of buffers, so that a write never allocates or
 * sleeps (console writes come from interrupt handlers and panic). 16 KiB
 * in flight covers a burst of boot messages; one console_write fills as
 * few buffers as it can and notifies once.
 */
#define VCON_TX_BUFS		16
#define VCON_TX_BUF_SIZE	1024
/* Receive: typed input arrives a few bytes at a time. */
#define VCON_RX_BUFS		8
#define VCON_RX_BUF_SIZE	128
/*
 * How long a write busy-waits for the device to use a buffer when all are
 * in flight. After one such wait ends empty-handed the device counts as
 * stalled (a host side that stopped reading: QEMU throttles the port) and
 * writes drop at once until a buffer comes back, so output never blocks
 * the kernel for long.
 */
#define VCON_STALL_NS		((uint64_t)100 * 1000000)
/* The lock is only ever busy for this long if someone else holds it; a re-entered writer (a message from inside the transmit path) cannot wait for itself. */
#define VCON_LOCK_SPIN_NS	((uint64_t)1000000)

struct vcon {
	struct console console;		/* first: the console layer's callbacks get it back */
	char name[8];			/* "hvc0", ... as Linux calls these */
	struct virtio_device *vdev;
	struct virtqueue *rxq, *txq;
	struct spinlock rx_lock;	/* guards rxq: the interrupt callback alone uses it after probe */
	struct spinlock tx_lock;	/* guards txq and the tx_* fields; taken with interrupts off */
	uint8_t *rx_mem;		/* VCON_RX_BUFS buffers; the device writes them */
	uint8_t *tx_mem;		/* VCON_TX_BUFS buffers */
	uint32_t tx_len[VCON_TX_BUFS];	/* bytes in each buffer while in flight, 0 when free */
	unsigned int tx_inflight;
	bool tx_stalled;
	uint64_t sent, dropped, received;
	struct vcon *next;
};

static struct vcon *vcons;

/* With tx_lock held: takes back every buffer the device has finished with. */
static void vcon_tx_reclaim(struct vcon *vc)
{
	uint32_t len;
	void *token;

	while ((token = virtq_get(vc->txq, &len))) {
		size_t i = (size_t)((uint8_t *)token - vc->tx_mem) / VCON_TX_BUF_SIZE;

		/* §5.3.6.2: the device reads transmit buffers whole; len (0 for them) does not count. */
		vc->sent += vc->tx_len[i];
		vc->tx_len[i] = 0;
		vc->tx_inflight--;
		vc->tx_stalled = false;
	}
}

/* With tx_lock held: a free transmit buffer's index, or -1 (after waiting at most once per stall). */
static int vcon_tx_free_buf(struct vcon *vc, bool *pending)
{
	uint64_t deadline;

	for (;;) {
		if (vc->tx_inflight < VCON_TX_BUFS)
			for (int i = 0; i < VCON_TX_BUFS; i++)
				if (vc->tx_len[i] == 0)
					return i;
		if (vc->tx_stalled || virtq_is_broken(vc->txq))
			return -1;
		/* The device must have been told about what it is to drain before we wait for it. */
		if (*pending) {
			virtq_kick(vc->txq);
			*pending = false;
		}
		deadline = time_monotonic_ns() + VCON_STALL_NS;
		while (vc->tx_inflight == VCON_TX_BUFS && !virtq_is_broken(vc->txq) &&
		       time_monotonic_ns() < deadline) {
			cpu_relax();
			vcon_tx_reclaim(vc);
		}
		if (vc->tx_inflight == VCON_TX_BUFS)
			vc->tx_stalled = true;
	}
}

static bool vcon_tx_lock(struct vcon *vc)
{
	uint64_t deadline;

	if (spin_trylock_raw(&vc->tx_lock))
		return true;
	deadline = time_monotonic_ns() + VCON_LOCK_SPIN_NS;
	do {
		cpu_relax();
		if (spin_trylock_raw(&vc->tx_lock))
			return true;
	} while (time_monotonic_ns() < deadline);
	return false;
}

static void vcon_write(struct console *c, const char *s, size_t n)
{
	struct vcon *vc = (struct vcon *)c;
	bool pending = false;
	uint64_t flags;

	if (n == 0)
		return;
	flags = irq_save();
	if (!vcon_tx_lock(vc)) {
		vc->dropped += n;	/* racy, but only a statistic */
		irq_restore(flags);
		return;
	}
	vcon_tx_reclaim(vc);
	while (n > 0) {
		int i = vcon_tx_free_buf(vc, &pending);
		uint8_t *buf;
		uint32_t len = 0;
		struct virtq_buf b;

		if (i < 0)
			break;
		buf = vc->tx_mem + (size_t)i * VCON_TX_BUF_SIZE;
		/* "\n" becomes "\r\n", as on the UART: a terminal on the host side shows the same lines. */
		while (n > 0 && len + 2 <= VCON_TX_BUF_SIZE) {
			if (*s == '\n')
				buf[len++] = '\r';
			buf[len++] = (uint8_t)*s++;
			n--;
		}
		b = (struct virtq_buf){ buf, len };
		/* §5.3.6.2: output is one device-readable buffer on transmitq0. */
		if (virtq_add(vc->txq, &b, 1, 0, buf) != 0) {
			/* Only a broken queue refuses (a free buffer means a free descriptor). */
			vc->dropped += len;
			break;
		}
		vc->tx_len[i] = len;
		vc->tx_inflight++;
		pending = true;
	}
	vc->dropped += n;
	if (pending)
		virtq_kick(vc->txq);
	spin_unlock_raw(&vc->tx_lock);
	irq_restore(flags);
}

/* With rx_lock held: gives buffer i back to the device (§5.3.6.1: receiveq is kept filled). */
static int vcon_rx_post(struct vcon *vc, uint8_t *buf)
{
	struct virtq_buf b = { buf, VCON_RX_BUF_SIZE };

	return virtq_add(vc->rxq, &b, 0, 1, buf);
}

static void vcon_rx_callback(struct virtqueue *vq)
{
	struct vcon *vc = vq->priv;
	uint64_t flags = spin_lock_irqsave(&vc->rx_lock);
	bool reposted = false;
	uint32_t len;
	void *token;

	while ((token = virtq_get(vq, &len))) {
		const uint8_t *buf = token;

		/* Console keys (Ctrl-T) print from here: through tx_lock, never rx_lock. */
		for (uint32_t k = 0; k < len; k++)
			console_input(buf[k]);
		vc->received += len;
		if (vcon_rx_post(vc, token) == 0)
			reposted = true;
	}
	if (reposted)
		virtq_kick(vq);
	spin_unlock_irqrestore(&vc->rx_lock, flags);
}

static struct vcon *vcon_first(void)
{
	for (struct vcon *vc = vcons; vc; vc = vc->next)
		if (!virtq_is_broken(vc->txq))
			return vc;
	return NULL;
}

const char *virtio_console_transport(void)
{
	struct vcon *vc = vcon_first();

	return vc ? vc->vdev->transport : NULL;
}

int virtio_console_flush(uint64_t timeout_ns, struct virtio_console_stats *st)
{
	struct vcon *vc = vcon_first();
	uint64_t deadline = time_monotonic_ns() + timeout_ns;
	uint64_t flags;
	int r = 0;

	if (!vc)
		return -ENODEV;
	flags = spin_lock_irqsave(&vc->tx_lock);
	for (;;) {
		vcon_tx_reclaim(vc);
		if (vc->tx_inflight == 0)
			break;
		if (time_monotonic_ns() >= deadline) {
			r = -ETIMEDOUT;
			break;
		}
		cpu_relax();
	}
	if (st) {
		st->sent = vc->sent;
		st->dropped = vc->dropped;
		st->received = vc->received;
	}
	spin_unlock_irqrestore(&vc->tx_lock, flags);
	return r;
}

static int vcon_probe(struct virtio_device *vdev)
{
	static unsigned int count;
	struct vcon *vc = kcalloc(1, sizeof(*vc));
	int r = -ENOMEM;

	if (!vc)
		return -ENOMEM;
	vc->vdev = vdev;
	spin_init(&vc->rx_lock);
	spin_init(&vc->tx_lock);
	vc->rx_mem = kmalloc((size_t)VCON_RX_BUFS * VCON_RX_BUF_SIZE);
	vc->tx_mem = kmalloc((size_t)VCON_TX_BUFS * VCON_TX_BUF_SIZE);
	if (!vc->rx_mem || !vc->tx_mem)
		goto fail;
	vc->rxq = virtio_setup_vq(vdev, VCON_RECEIVEQ0, VCON_RX_BUFS, vcon_rx_callback, vc, &r);
	if (!vc->rxq)
		goto fail;
	/* Transmit completions are collected by the next write: no interrupt needed. */
	vc->txq = virtio_setup_vq(vdev, VCON_TRANSMITQ0, VCON_TX_BUFS, NULL, vc, &r);
	if (!vc->txq)
		goto fail;
	virtq_disable_cb(vc->txq);
	if (virtq_num_free(vc->txq) < VCON_TX_BUFS) {
		/* A device with a short queue: the ring's bookkeeping assumes one descriptor per buffer. */
		pr_err("%s: transmitq0 has %u entries, fewer than %u\n", virtio_name(vdev),
		       virtq_num_free(vc->txq), VCON_TX_BUFS);
		r = -ENOSPC;
		goto fail;
	}
	for (unsigned int i = 0; i < VCON_RX_BUFS && i < vc->rxq->size; i++) {
		r = vcon_rx_post(vc, vc->rx_mem + (size_t)i * VCON_RX_BUF_SIZE);
		if (r)
			goto fail;
	}
	vdev->priv = vc;
	virtio_device_ready(vdev);
	/* Notifications only after DRIVER_OK (virtio 1.2 §3.1.1). */
	virtq_kick(vc->rxq);
	fmt_snprintf(vc->name, sizeof(vc->name), "hvc%u", count++);
	vc->console.name = vc->name;
	vc->console.write = vcon_write;
	/*
	 * Input comes by interrupt through console_input(); console_set_input_irq()
	 * stays the UART's to set, since turning it on here would stop the
	 * console layer from polling a UART that has no interrupt.
	 */
	vc->next = vcons;
	vcons = vc;
	console_register(&vc->console);
	pr_info("%s: console %s\n", virtio_name(vdev), vc->name);
	return 0;
fail:
	/* Reset before freeing: the queue's callback must not find vc gone. */
	if (vc->rxq)
		virtio_device_fail(vdev, "virtio-console setup failed");
	vdev->priv = NULL;
	kfree(vc->rx_mem);
	kfree(vc->tx_mem);
	kfree(vc);
	return r;
}

static const struct virtio_driver virtio_console = {
	.name = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	/* §5.3.3: SIZE, MULTIPORT and EMERG_WRITE are all optional; port 0 needs none of them. */
	.features = 0,
	.probe = vcon_probe,
};
VIRTIO_DRIVER(virtio_console, 60);
