/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtio core: the status handshake and feature negotiation, config space access, queues, bus glue. */
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtqueue.h"
#include "kernel/init.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "lib/string.h"

/*
 * §2.4.1 (§4.1.4.3.2, §4.2.3.1): a reset is done when the status reads 0
 * again. QEMU resets at once, so look before starting the clock, whose
 * first use calibrates the TSC (10 ms of busy waiting under TCG).
 */
int virtio_wait_reset(struct virtio_device *vdev, uint64_t timeout_ns)
{
	uint64_t deadline;

	if (vdev->ops->get_status(vdev) == 0)
		return 0;
	deadline = time_monotonic_ns() + timeout_ns;
	while (vdev->ops->get_status(vdev) != 0) {
		if (time_monotonic_ns() >= deadline)
			return -ETIMEDOUT;
		cpu_relax();
	}
	return 0;
}


/* A config space that keeps changing under us is a broken device, not a reason to spin forever. */
#define CONFIG_READ_TRIES	64

const char *virtio_id_name(uint32_t id)
{
	switch (id) {
	case VIRTIO_ID_NET: return "virtio network";
	case VIRTIO_ID_BLOCK: return "virtio block";
	case VIRTIO_ID_CONSOLE: return "virtio console";
	case VIRTIO_ID_RNG: return "virtio entropy";
	case VIRTIO_ID_9P: return "virtio 9p";
	case VIRTIO_ID_VSOCK: return "virtio vsock";
	default: return "virtio device";
	}
}

uint8_t virtio_config_read8(struct virtio_device *vdev, unsigned int off)
{
	return (uint8_t)vdev->ops->config_read(vdev, off, 1);
}

uint16_t virtio_config_read16(struct virtio_device *vdev, unsigned int off)
{
	return (uint16_t)vdev->ops->config_read(vdev, off, 2);
}

uint32_t virtio_config_read32(struct virtio_device *vdev, unsigned int off)
{
	return vdev->ops->config_read(vdev, off, 4);
}

int virtio_config_read64(struct virtio_device *vdev, unsigned int off, uint64_t *out)
{
	/* virtio 1.2 §2.5.1: a field wider than 32 bits is read in parts, consistent when the generation held. */
	for (int i = 0; i < CONFIG_READ_TRIES; i++) {
		uint32_t gen = vdev->ops->config_generation(vdev);
		uint64_t lo = vdev->ops->config_read(vdev, off, 4);
		uint64_t hi = vdev->ops->config_read(vdev, off + 4, 4);

		if (vdev->ops->config_generation(vdev) == gen) {
			*out = lo | hi << 32;
			return 0;
		}
	}
	pr_err("%s: config space keeps changing\n", virtio_name(vdev));
	return -EIO;
}

int virtio_config_read(struct virtio_device *vdev, unsigned int off, void *buf, size_t len)
{
	uint8_t *p = buf;

	for (int i = 0; i < CONFIG_READ_TRIES; i++) {
		uint32_t gen = vdev->ops->config_generation(vdev);

		for (size_t k = 0; k < len; k++)
			p[k] = (uint8_t)vdev->ops->config_read(vdev, off + (unsigned int)k, 1);
		if (vdev->ops->config_generation(vdev) == gen)
			return 0;
	}
	pr_err("%s: config space keeps changing\n", virtio_name(vdev));
	return -EIO;
}

void virtio_config_write8(struct virtio_device *vdev, unsigned int off, uint8_t v)
{
	vdev->ops->config_write(vdev, off, 1, v);
}

void virtio_config_write16(struct virtio_device *vdev, unsigned int off, uint16_t v)
{
	vdev->ops->config_write(vdev, off, 2, v);
}

void virtio_config_write32(struct virtio_device *vdev, unsigned int off, uint32_t v)
{
	vdev->ops->config_write(vdev, off, 4, v);
}

static void add_status(struct virtio_device *vdev, uint8_t bits)
{
	vdev->ops->set_status(vdev, (uint8_t)(vdev->ops->get_status(vdev) | bits));
}

struct virtqueue *virtio_setup_vq(struct virtio_device *vdev, unsigned int index,
				  unsigned int max_size, virtq_callback_fn cb, void *priv, int *err)
{
	unsigned int dmax, size;
	struct virtqueue *vq;
	uint64_t flags;
	int r;

	if (index >= VIRTIO_MAX_QUEUES || vdev->vqs[index]) {
		pr_err("%s: queue %u cannot be set up (out of range or already set up)\n",
		       virtio_name(vdev), index);
		r = -EINVAL;
		goto out;
	}
	dmax = vdev->ops->queue_max_size(vdev, index);
	if (dmax == 0) {
		pr_err("%s: the device has no queue %u\n", virtio_name(vdev), index);
		r = -ENOENT;
		goto out;
	}
	size = max_size ? max_size : VIRTQ_DEFAULT_SIZE;
	size = MIN(size, MIN(dmax, (unsigned int)VIRTQ_MAX_SIZE));
	/* Split rings are a power of two long (virtio 1.2 §2.7): round down. */
	while (size & (size - 1))
		size &= size - 1;
	vq = virtq_create(vdev, index, size);
	if (!vq) {
		pr_err("%s: no memory for queue %u (%u entries)\n", virtio_name(vdev), index, size);
		r = -ENOMEM;
		goto out;
	}
	vq->callback = cb;
	vq->priv = priv;
	/* Published before the device can interrupt for it; the handler reads vqs[] with interrupts off. */
	flags = irq_save();
	vdev->vqs[index] = vq;
	irq_restore(flags);
	r = vdev->ops->queue_activate(vdev, vq);
	if (r) {
		pr_err("%s: queue %u could not be activated (%d)\n", virtio_name(vdev), index, r);
		flags = irq_save();
		vdev->vqs[index] = NULL;
		irq_restore(flags);
		virtq_destroy(vq);
		goto out;
	}
	return vq;
out:
	if (err)
		*err = r;
	return NULL;
}

void virtio_device_ready(struct virtio_device *vdev)
{
	add_status(vdev, VIRTIO_STATUS_DRIVER_OK);
}

static void free_queues(struct virtio_device *vdev)
{
	for (unsigned int i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		struct virtqueue *vq = vdev->vqs[i];
		uint64_t flags;

		if (!vq)
			continue;
		flags = irq_save();
		vdev->vqs[i] = NULL;
		irq_restore(flags);
		virtq_destroy(vq);
	}
}

void virtio_device_fail(struct virtio_device *vdev, const char *why)
{
	pr_err("%s: %s; device given up\n", virtio_name(vdev), why);
	/* virtio 1.2 §2.1.1 and §3.1.1: FAILED tells the device, the reset stops it using our memory. */
	add_status(vdev, VIRTIO_STATUS_FAILED);
	if (vdev->ops->reset(vdev))
		pr_err("%s: the device did not reset; its queues are kept\n", virtio_name(vdev));
	else
		free_queues(vdev);
	vdev->failed = true;
}

void virtio_interrupt_all_queues(struct virtio_device *vdev)
{
	for (unsigned int i = 0; i < VIRTIO_MAX_QUEUES; i++)
		if (vdev->vqs[i])
			virtq_interrupt(vdev->vqs[i]);
}

void virtio_interrupt_config(struct virtio_device *vdev)
{
	if (vdev->config_changed)
		vdev->config_changed(vdev);
}

/* virtio.packed=0 keeps every device on split rings (comparisons, devices with a broken packed ring). */
static bool packed_refused(void)
{
	const char *v = cmdline_get(&kernel_cmdline, "virtio.packed");

	return v && strcmp(v, "0") == 0;
}

/* virtio 1.2 §3.1.1 steps 1-6; the driver's probe does step 7 and 8 (queues, DRIVER_OK). */
static int virtio_negotiate(struct virtio_device *vdev, const struct virtio_driver *drv)
{
	uint64_t offered, wanted, accepted;

	if (vdev->ops->reset(vdev)) {
		pr_err("%s: the device did not reset\n", virtio_name(vdev));
		return -EIO;
	}
	add_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE);
	add_status(vdev, VIRTIO_STATUS_DRIVER);
	offered = vdev->ops->get_features(vdev);
	wanted = drv->features | VIRTIO_CORE_FEATURES;
	if (packed_refused())
		wanted &= ~VIRTIO_F_RING_PACKED;
	if (vdev->legacy) {
		/* Legacy interfaces have 32 feature bits and no VERSION_1 (virtio 1.2 §6.1), so no packed ring. */
		wanted &= 0xffffffffull;
	} else if (!(offered & VIRTIO_F_VERSION_1)) {
		virtio_device_fail(vdev, "the device does not offer VIRTIO_F_VERSION_1");
		return -ENODEV;
	}
	accepted = offered & wanted;
	vdev->ops->set_features(vdev, accepted);
	if (!vdev->legacy) {
		/* §3.1.1 step 5-6: the device may refuse our subset; it says so by not keeping FEATURES_OK. */
		add_status(vdev, VIRTIO_STATUS_FEATURES_OK);
		if (!(vdev->ops->get_status(vdev) & VIRTIO_STATUS_FEATURES_OK)) {
			pr_err("%s: the device refused features %#lx (offered %#lx)\n", virtio_name(vdev),
			       accepted, offered);
			virtio_device_fail(vdev, "feature negotiation failed");
			return -ENODEV;
		}
	}
	vdev->features = accepted;
	return 0;
}

static int virtio_start(struct virtio_device *vdev, const struct virtio_driver *drv)
{
	int r;

	if (vdev->driver) {
		/* device_probe_all() may run again; a device we already brought up stays as it is. */
		return vdev->failed ? -ENODEV : 0;
	}
	vdev->failed = false;
	r = virtio_negotiate(vdev, drv);
	if (r)
		return r;
	vdev->driver = drv;
	r = drv->probe(vdev);
	if (r) {
		if (!vdev->failed)
			virtio_device_fail(vdev, "the driver's probe failed");
		vdev->driver = NULL;
		return r;
	}
	/* A driver that set up its queues but forgot DRIVER_OK would hang its first request. */
	if (!(vdev->ops->get_status(vdev) & VIRTIO_STATUS_DRIVER_OK))
		virtio_device_ready(vdev);
	pr_info("%s: %s, %s,%s features %#lx\n", virtio_name(vdev), drv->name, vdev->transport,
		virtio_has_feature(vdev, VIRTIO_F_RING_PACKED) ? " packed ring," : "", vdev->features);
	return 0;
}

bool virtio_bus_match(struct device *dev, const struct virtio_driver *drv)
{
	if (dev->bus == BUS_VIRTIO_MMIO)
		return ((struct virtio_device *)dev->bus_data)->device_id == drv->device_id;
	if (dev->bus == BUS_PCI)
		return virtio_pci_match_id(dev, drv->device_id);
	return false;
}

int virtio_bus_probe(struct device *dev, const struct virtio_driver *drv)
{
	struct virtio_device *vdev;
	int r;

	if (dev->bus == BUS_VIRTIO_MMIO) {
		vdev = dev->bus_data;
	} else if (dev->bus == BUS_PCI) {
		r = virtio_pci_attach(dev, &vdev);
		if (r)
			return r;
	} else {
		return -ENODEV;
	}
	return virtio_start(vdev, drv);
}
