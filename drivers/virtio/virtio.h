/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtio core for drivers: device handshake, feature bits, config space, virtqueues, driver registration. */
#ifndef DRIVERS_VIRTIO_VIRTIO_H
#define DRIVERS_VIRTIO_VIRTIO_H

#include <mote/compiler.h>
#include <mote/types.h>
#include "kernel/device.h"

/* Device types (virtio 1.2 §5). */
#define VIRTIO_ID_NET		1
#define VIRTIO_ID_BLOCK		2
#define VIRTIO_ID_CONSOLE	3
#define VIRTIO_ID_RNG		4
#define VIRTIO_ID_9P		9
#define VIRTIO_ID_VSOCK		19

/* Device status bits (virtio 1.2 §2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE	1
#define VIRTIO_STATUS_DRIVER		2
#define VIRTIO_STATUS_DRIVER_OK		4
#define VIRTIO_STATUS_FEATURES_OK	8
#define VIRTIO_STATUS_NEEDS_RESET	64
#define VIRTIO_STATUS_FAILED		128

/* Reserved feature bits (virtio 1.2 §6). */
#define VIRTIO_F_INDIRECT_DESC		(1ull << 28)
#define VIRTIO_F_EVENT_IDX		(1ull << 29)
#define VIRTIO_F_VERSION_1		(1ull << 32)
#define VIRTIO_F_ACCESS_PLATFORM	(1ull << 33)
#define VIRTIO_F_RING_PACKED		(1ull << 34)

/*
 * What the core accepts for every driver when the device offers it: the
 * ring features virtqueue.c implements, and ACCESS_PLATFORM, which costs
 * nothing here (no IOMMU: guest-physical addresses are the DMA addresses)
 * while a device that offers it may refuse FEATURES_OK without it (§6).
 * The packed ring (§2.8) only with CONFIG_VIRTIO_PACKED, and not when
 * the kernel parameter virtio.packed=0 refuses it.
 */
#ifdef CONFIG_VIRTIO_PACKED
#define VIRTIO_RING_FEATURES	(VIRTIO_F_INDIRECT_DESC | VIRTIO_F_EVENT_IDX | VIRTIO_F_RING_PACKED)
#else
#define VIRTIO_RING_FEATURES	(VIRTIO_F_INDIRECT_DESC | VIRTIO_F_EVENT_IDX)
#endif
#define VIRTIO_CORE_FEATURES	(VIRTIO_RING_FEATURES | VIRTIO_F_VERSION_1 | VIRTIO_F_ACCESS_PLATFORM)

/* Queues per device the core keeps track of (virtio-net with 8 pairs and a control queue fits). */
#define VIRTIO_MAX_QUEUES	17

struct virtio_device;
struct virtqueue;
struct virtio_driver;

/* Runs in interrupt context when the device may have used buffers on vq. */
typedef void (*virtq_callback_fn)(struct virtqueue *vq);

/*
 * What a transport (virtio_mmio.c, virtio_pci.c) provides. Config offsets
 * are relative to the device-specific configuration space.
 */
/* For transports' reset(): waits, bounded, for the status to read 0 after writing it: 0 or -ETIMEDOUT. */
struct virtio_device;
int virtio_wait_reset(struct virtio_device *vdev, uint64_t timeout_ns);

struct virtio_transport_ops {
	uint8_t (*get_status)(struct virtio_device *vdev);
	void (*set_status)(struct virtio_device *vdev, uint8_t status);
	/* Writes 0 to the status and waits (bounded) for the device to show 0: 0 or -ETIMEDOUT. */
	int (*reset)(struct virtio_device *vdev);
	uint64_t (*get_features)(struct virtio_device *vdev);
	void (*set_features)(struct virtio_device *vdev, uint64_t features);
	/* width 1, 2 or 4 bytes, naturally aligned. */
	uint32_t (*config_read)(struct virtio_device *vdev, unsigned int off, unsigned int width);
	void (*config_write)(struct virtio_device *vdev, unsigned int off, unsigned int width,
			     uint32_t v);
	/* Changes whenever the device changes its config space (0 where the transport has none). */
	uint32_t (*config_generation)(struct virtio_device *vdev);
	/* Largest size queue index may have; 0 when the queue does not exist or is in use. */
	unsigned int (*queue_max_size)(struct virtio_device *vdev, unsigned int index);
	/* Tells the device where vq's rings are, wires its interrupt and enables it: 0 or -errno. */
	int (*queue_activate)(struct virtio_device *vdev, struct virtqueue *vq);
	/* Makes the device forget queue index (after a reset nothing is needed). */
	void (*queue_deactivate)(struct virtio_device *vdev, struct virtqueue *vq);
	void (*notify)(struct virtqueue *vq);
};

struct virtio_device {
	struct device *dev;			/* the bus's device; its name prefixes every message */
	const struct virtio_transport_ops *ops;
	const char *transport;			/* "virtio-mmio (legacy)", "virtio-pci", ... */
	void *transport_data;
	uint32_t device_id;			/* VIRTIO_ID_* */
	bool legacy;				/* a pre-1.0 interface (MMIO version 1): no FEATURES_OK, 32 feature bits */
	uint64_t features;			/* negotiated */
	const struct virtio_driver *driver;
	void *priv;				/* the driver's */
	/* Called in interrupt context when the device changed its config space. */
	void (*config_changed)(struct virtio_device *vdev);
	struct virtqueue *vqs[VIRTIO_MAX_QUEUES];
	bool failed;				/* given up on: FAILED was set and the device reset */
};

/* What a driver tells the core; register it with VIRTIO_DRIVER(). */
struct virtio_driver {
	const char *name;
	uint32_t device_id;
	uint64_t features;	/* device-type features the driver understands; VIRTIO_CORE_FEATURES are added */
	/*
	 * Called after feature negotiation (vdev->features is set): sets up
	 * the queues, calls virtio_device_ready(). On error the core marks
	 * the device FAILED, resets it and frees its queues.
	 */
	int (*probe)(struct virtio_device *vdev);
};

/* "virtio entropy", "virtio block", ...: for device descriptions. */
const char *virtio_id_name(uint32_t id);

static inline bool virtio_has_feature(const struct virtio_device *vdev, uint64_t f)
{
	return (vdev->features & f) == f;
}

/* The device's name for messages: "virtio-mmio@0xfeb00e00", "pci 0000:00:03.0". */
static inline const char *virtio_name(const struct virtio_device *vdev)
{
	return vdev->dev->name;
}

/*
 * Device-specific configuration (virtio 1.2 §2.5). The 64-bit read and
 * virtio_config_read() repeat while the config generation changes, so a
 * multi-part field is never torn (bounded: -EIO if it never settles).
 */
uint8_t virtio_config_read8(struct virtio_device *vdev, unsigned int off);
uint16_t virtio_config_read16(struct virtio_device *vdev, unsigned int off);
uint32_t virtio_config_read32(struct virtio_device *vdev, unsigned int off);
int virtio_config_read64(struct virtio_device *vdev, unsigned int off, uint64_t *out);
/* Reads len bytes byte by byte into buf (MAC addresses, names): 0 or -EIO. */
int virtio_config_read(struct virtio_device *vdev, unsigned int off, void *buf, size_t len);
void virtio_config_write8(struct virtio_device *vdev, unsigned int off, uint8_t v);
void virtio_config_write16(struct virtio_device *vdev, unsigned int off, uint16_t v);
void virtio_config_write32(struct virtio_device *vdev, unsigned int off, uint32_t v);

/*
 * Creates queue index with at most max_size entries (0: the device's
 * maximum, capped at 256), tells the device about it and wires its
 * interrupt to cb (NULL: polled only). Returns the queue, or NULL after a
 * message naming the problem (err, if not NULL, gets the -errno).
 */
struct virtqueue *virtio_setup_vq(struct virtio_device *vdev, unsigned int index,
				  unsigned int max_size, virtq_callback_fn cb, void *priv, int *err);

/* Sets DRIVER_OK: from here the device may use the queues (virtio 1.2 §3.1.1 step 8). */
void virtio_device_ready(struct virtio_device *vdev);

/* Gives up on the device: FAILED, reset, queues freed. For drivers that hit a fatal device error. */
void virtio_device_fail(struct virtio_device *vdev, const char *why);

/* For transports: calls every queue's callback (a shared interrupt that says "some queue was used"). */
void virtio_interrupt_all_queues(struct virtio_device *vdev);
/* For transports: the config-change interrupt. */
void virtio_interrupt_config(struct virtio_device *vdev);

/* For the bus glue below: match and probe a bus device against a virtio driver. */
bool virtio_bus_match(struct device *dev, const struct virtio_driver *drv);
int virtio_bus_probe(struct device *dev, const struct virtio_driver *drv);

/*
 * Registers drv (a struct virtio_driver variable, named after the driver:
 * the device list shows the variable's name) for virtio-mmio and
 * virtio-pci devices alike, probing at the given order (struct driver's).
 */
#define VIRTIO_DRIVER(drv, probe_order)							\
	static bool drv##_match(struct device *dev) { return virtio_bus_match(dev, &drv); }	\
	static int drv##_probe(struct device *dev) { return virtio_bus_probe(dev, &drv); }	\
	static const struct driver drv##_mmio = {					\
		.name = #drv, .bus = BUS_VIRTIO_MMIO, .order = (probe_order),		\
		.match = drv##_match, .probe = drv##_probe,				\
	};										\
	static const struct driver drv##_pci = {					\
		.name = #drv, .bus = BUS_PCI, .order = (probe_order),			\
		.match = drv##_match, .probe = drv##_probe,				\
	};										\
	DRIVER(drv##_mmio);								\
	DRIVER(drv##_pci)

/*
 * Adds a device for every virtio_mmio.device=SIZE@ADDR:IRQ[:ID] parameter
 * (Linux's format; QEMU microvm appends them with acpi=off), then for
 * every one the firmware describes (ACPI _HID "LNRO0005": microvm with
 * ACPI, Firecracker), read once. Malformed entries and addresses without
 * a virtio device are skipped with a message, empty slots (device ID 0)
 * silently. Idempotent: an address already added is not added again, so
 * a device named by both sources is added once, as the command line says.
 */
struct cmdline;
void virtio_mmio_scan(const struct cmdline *cl);

/* For virtio_bus_*: the PCI transport's side (virtio_pci.c). */
bool virtio_pci_match_id(struct device *dev, uint32_t device_id);
int virtio_pci_attach(struct device *dev, struct virtio_device **out);

#endif
