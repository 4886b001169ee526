/* SPDX-License-Identifier: BSD-2-Clause */
/* The modern virtio-pci transport (virtio 1.2 §4.1): vendor capabilities, MSI-X per queue, INTx with the ISR. */
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "drivers/pci/pci.h"
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtqueue.h"
#include "kernel/heap.h"
#include "kernel/log.h"

#define VIRTIO_PCI_VENDOR		0x1af4
/* §4.1.2: 0x1040 + device type for modern devices; 0x1000-0x103f are transitional, typed by subsystem ID. */
#define VIRTIO_PCI_MODERN_BASE		0x1040
#define VIRTIO_PCI_MODERN_LAST		0x107f
#define VIRTIO_PCI_TRANS_FIRST		0x1000
#define VIRTIO_PCI_TRANS_LAST		0x103f

/* struct virtio_pci_cap (§4.1.4): after the generic vendor-capability header. */
#define CAP_CFG_TYPE		3
#define CAP_BAR			4
#define CAP_OFFSET		8
#define CAP_LENGTH		12
#define CAP_NOTIFY_MULT		16	/* struct virtio_pci_notify_cap (§4.1.4.4) */
#define CAP_LEN_MIN		16

#define CFG_COMMON		1
#define CFG_NOTIFY		2
#define CFG_ISR			3
#define CFG_DEVICE		4

/* struct virtio_pci_common_cfg (§4.1.4.3). */
#define COMMON_DFSELECT		0x00
#define COMMON_DF		0x04
#define COMMON_GFSELECT		0x08
#define COMMON_GF		0x0c
#define COMMON_MSIX		0x10
#define COMMON_NUMQ		0x12
#define COMMON_STATUS		0x14
#define COMMON_CFGGENERATION	0x15
#define COMMON_Q_SELECT		0x16
#define COMMON_Q_SIZE		0x18
#define COMMON_Q_MSIX		0x1a
#define COMMON_Q_ENABLE		0x1c
#define COMMON_Q_NOFF		0x1e
#define COMMON_Q_DESCLO		0x20
#define COMMON_Q_DESCHI		0x24
#define COMMON_Q_AVAILLO	0x28
#define COMMON_Q_AVAILHI	0x2c
#define COMMON_Q_USEDLO		0x30
#define COMMON_Q_USEDHI		0x34
#define COMMON_LEN_MIN		0x38	/* the virtio 1.0 structure */

#define VIRTIO_MSI_NO_VECTOR	0xffff
#define ISR_QUEUE		1	/* §4.1.4.5 */
#define ISR_CONFIG		2

#define PCI_RESET_TIMEOUT_NS	((uint64_t)100 * 1000000)
/* MSI-X entries pci_enable_msix takes at once. */
#define MSIX_MAX		64

enum vp_irq { VP_IRQ_NONE, VP_IRQ_MSIX_PER_QUEUE, VP_IRQ_MSIX_SHARED, VP_IRQ_INTX };

struct vp_vector {
	struct virtio_pci_device *vp;
	int queue;			/* -1: config changes; -2: every queue */
};

struct virtio_pci_device {
	struct virtio_device vdev;
	struct pci_device *pci;
	volatile uint8_t *common, *isr, *device, *notify;
	uint32_t device_len, notify_len, notify_mult;
	uint16_t num_queues;
	enum vp_irq irq;
	struct vp_vector *vectors;
};

static inline struct virtio_pci_device *to_vp(struct virtio_device *vdev)
{
	return vdev->transport_data;
}

static inline uint8_t c_rd8(struct virtio_pci_device *vp, unsigned int off)
{
	return *(volatile uint8_t *)(vp->common + off);
}

static inline uint16_t c_rd16(struct virtio_pci_device *vp, unsigned int off)
{
	return *(volatile uint16_t *)(vp->common + off);
}

static inline uint32_t c_rd32(struct virtio_pci_device *vp, unsigned int off)
{
	return *(volatile uint32_t *)(vp->common + off);
}

static inline void c_wr8(struct virtio_pci_device *vp, unsigned int off, uint8_t v)
{
	*(volatile uint8_t *)(vp->common + off) = v;
}

static inline void c_wr16(struct virtio_pci_device *vp, unsigned int off, uint16_t v)
{
	*(volatile uint16_t *)(vp->common + off) = v;
}

static inline void c_wr32(struct virtio_pci_device *vp, unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(vp->common + off) = v;
}

/* §4.1.3.1: 64-bit fields may be written as two 32-bit halves. */
static void c_wr64(struct virtio_pci_device *vp, unsigned int off, uint64_t v)
{
	c_wr32(vp, off, (uint32_t)v);
	c_wr32(vp, off + 4, (uint32_t)(v >> 32));
}

static uint8_t vp_get_status(struct virtio_device *vdev)
{
	return c_rd8(to_vp(vdev), COMMON_STATUS);
}

static void vp_set_status(struct virtio_device *vdev, uint8_t status)
{
	c_wr8(to_vp(vdev), COMMON_STATUS, status);
}

static int vp_reset(struct virtio_device *vdev)
{
	c_wr8(to_vp(vdev), COMMON_STATUS, 0);
	return virtio_wait_reset(vdev, PCI_RESET_TIMEOUT_NS);
}

static uint64_t vp_get_features(struct virtio_device *vdev)
{
	struct virtio_pci_device *vp = to_vp(vdev);
	uint64_t f;

	c_wr32(vp, COMMON_DFSELECT, 0);
	f = c_rd32(vp, COMMON_DF);
	c_wr32(vp, COMMON_DFSELECT, 1);
	return f | (uint64_t)c_rd32(vp, COMMON_DF) << 32;
}

static void vp_set_features(struct virtio_device *vdev, uint64_t features)
{
	struct virtio_pci_device *vp = to_vp(vdev);

	c_wr32(vp, COMMON_GFSELECT, 0);
	c_wr32(vp, COMMON_GF, (uint32_t)features);
	c_wr32(vp, COMMON_GFSELECT, 1);
	c_wr32(vp, COMMON_GF, (uint32_t)(features >> 32));
}

static uint32_t vp_config_read(struct virtio_device *vdev, unsigned int off, unsigned int width)
{
	struct virtio_pci_device *vp = to_vp(vdev);
	volatile uint8_t *p = vp->device + off;

	/* A device without the structure, or a field past its end, reads as 0. */
	if (!vp->device || (uint64_t)off + width > vp->device_len)
		return 0;
	switch (width) {
	case 1: return *p;
	case 2: return *(volatile uint16_t *)p;
	default: return *(volatile uint32_t *)p;
	}
}

static void vp_config_write(struct virtio_device *vdev, unsigned int off, unsigned int width,
			    uint32_t v)
{
	struct virtio_pci_device *vp = to_vp(vdev);
	volatile uint8_t *p = vp->device + off;

	if (!vp->device || (uint64_t)off + width > vp->device_len)
		return;
	switch (width) {
	case 1: *p = (uint8_t)v; break;
	case 2: *(volatile uint16_t *)p = (uint16_t)v; break;
	default: *(volatile uint32_t *)p = v; break;
	}
}

static uint32_t vp_config_generation(struct virtio_device *vdev)
{
	return c_rd8(to_vp(vdev), COMMON_CFGGENERATION);
}

static unsigned int vp_queue_max_size(struct virtio_device *vdev, unsigned int index)
{
	struct virtio_pci_device *vp = to_vp(vdev);

	/*
	 * Read again, not at attach: QEMU's virtio-net (7.2) adds the queues
	 * of its further pairs, and moves its control queue behind them, only
	 * once VIRTIO_NET_F_MQ has been negotiated.
	 */
	vp->num_queues = c_rd16(vp, COMMON_NUMQ);
	if (index >= vp->num_queues)
		return 0;
	c_wr16(vp, COMMON_Q_SELECT, (uint16_t)index);
	if (c_rd16(vp, COMMON_Q_ENABLE))
		return 0;
	return c_rd16(vp, COMMON_Q_SIZE);
}

static void vp_msix_handler(struct trap_frame *tf, void *arg)
{
	struct vp_vector *v = arg;
	struct virtio_device *vdev = &v->vp->vdev;

	(void)tf;
	if (v->queue == -1)
		virtio_interrupt_config(vdev);
	else if (v->queue == -2)
		virtio_interrupt_all_queues(vdev);
	else if (vdev->vqs[v->queue])
		virtq_interrupt(vdev->vqs[v->queue]);
}

static void vp_intx_handler(struct trap_frame *tf, void *arg)
{
	struct virtio_pci_device *vp = arg;
	uint8_t isr;

	(void)tf;
	/* §4.1.4.5: reading the ISR clears it and deasserts the (possibly shared) line. */
	isr = *vp->isr;
	if (isr & ISR_QUEUE)
		virtio_interrupt_all_queues(&vp->vdev);
	if (isr & ISR_CONFIG)
		virtio_interrupt_config(&vp->vdev);
}

/* Entry 0 for config changes, then one per queue when the table has room, else one for all queues. */
static int vp_setup_msix(struct virtio_pci_device *vp)
{
	int cap = pci_find_cap(vp->pci, PCI_CAP_MSIX, 0);
	unsigned int table, nvec, nq = MIN(vp->num_queues, (unsigned int)VIRTIO_MAX_QUEUES);
	void *args[MSIX_MAX];
	int r;

	if (!cap)
		return -ENODEV;
	table = (pci_read16(vp->pci, (unsigned int)cap + 2) & 0x7ff) + 1u;
	bool per_queue = table >= nq + 1 && nq + 1 <= MSIX_MAX;

	if (per_queue)
		nvec = nq + 1;
	else if (table >= 2)
		nvec = 2;
	else
		return -ENOSPC;
	vp->vectors = kcalloc(nvec, sizeof(*vp->vectors));
	if (!vp->vectors)
		return -ENOMEM;
	for (unsigned int i = 0; i < nvec; i++) {
		vp->vectors[i].vp = vp;
		vp->vectors[i].queue = i == 0 ? -1 : per_queue ? (int)i - 1 : -2;
		args[i] = &vp->vectors[i];
	}
	r = pci_enable_msix(vp->pci, nvec, vp_msix_handler, args, NULL);
	if (r) {
		kfree(vp->vectors);
		vp->vectors = NULL;
		return r;
	}
	vp->irq = per_queue ? VP_IRQ_MSIX_PER_QUEUE : VP_IRQ_MSIX_SHARED;
	return 0;
}

static int vp_setup_irq(struct virtio_pci_device *vp)
{
	int r;

	if (vp->irq != VP_IRQ_NONE)
		return 0;
	r = vp_setup_msix(vp);
	if (r == 0) {
		vp->vdev.transport = vp->irq == VP_IRQ_MSIX_SHARED ? "virtio-pci, MSI-X shared" :
								     "virtio-pci, MSI-X per queue";
		return 0;
	}
	r = pci_enable_intx(vp->pci, vp_intx_handler, vp);
	if (r < 0) {
		pr_err("%s: neither MSI-X nor INTx can be enabled (%d)\n", vp->pci->dev.name, r);
		return r;
	}
	vp->irq = VP_IRQ_INTX;
	vp->vdev.transport = "virtio-pci, INTx";
	return 0;
}

/* §4.1.5.1.2: an MSI-X entry is bound by writing it and reading it back; NO_VECTOR means refused. */
static int vp_bind_vector(struct virtio_pci_device *vp, unsigned int reg, uint16_t entry)
{
	c_wr16(vp, reg, entry);
	return c_rd16(vp, reg) == entry ? 0 : -EBUSY;
}

static int vp_queue_activate(struct virtio_device *vdev, struct virtqueue *vq)
{
	struct virtio_pci_device *vp = to_vp(vdev);
	uint16_t entry = VIRTIO_MSI_NO_VECTOR;
	uint64_t noff;
	int r;

	if (vq->callback) {
		r = vp_setup_irq(vp);
		if (r)
			return r;
		if (vp->irq == VP_IRQ_MSIX_PER_QUEUE || vp->irq == VP_IRQ_MSIX_SHARED) {
			/* The config vector is lost on every reset (§4.1.5.1.2): bind it with the first queue. */
			if (vp_bind_vector(vp, COMMON_MSIX, 0)) {
				pr_err("%s: the device refused MSI-X entry 0 for config changes\n",
				       virtio_name(vdev));
				return -EBUSY;
			}
			entry = vp->irq == VP_IRQ_MSIX_SHARED ? 1 : (uint16_t)(vq->index + 1);
		}
	}
	c_wr16(vp, COMMON_Q_SELECT, (uint16_t)vq->index);
	c_wr16(vp, COMMON_Q_SIZE, (uint16_t)vq->size);
	if (entry != VIRTIO_MSI_NO_VECTOR && vp_bind_vector(vp, COMMON_Q_MSIX, entry)) {
		pr_err("%s: the device refused MSI-X entry %u for queue %u\n", virtio_name(vdev), entry,
		       vq->index);
		return -EBUSY;
	}
	noff = (uint64_t)c_rd16(vp, COMMON_Q_NOFF) * vp->notify_mult;
	/* §4.1.4.4: the queue's notification address must lie inside the notify structure. */
	if (noff + 2 > vp->notify_len) {
		pr_err("%s: queue %u notify offset %#lx beyond the %#x-byte notify structure\n",
		       virtio_name(vdev), vq->index, noff, vp->notify_len);
		return -EIO;
	}
	vq->notify_addr = vp->notify + noff;
	vq->msix_vector = entry;
	c_wr64(vp, COMMON_Q_DESCLO, vq->desc_pa);
	c_wr64(vp, COMMON_Q_AVAILLO, vq->avail_pa);
	c_wr64(vp, COMMON_Q_USEDLO, vq->used_pa);
	c_wr16(vp, COMMON_Q_ENABLE, 1);
	return 0;
}

static void vp_queue_deactivate(struct virtio_device *vdev, struct virtqueue *vq)
{
	/* §4.1.4.3.2: a queue is disabled only by a device reset (or 1.2's queue_reset, not used). */
	(void)vdev, (void)vq;
}

static void vp_notify(struct virtqueue *vq)
{
	/* §4.1.5.2: without VIRTIO_F_NOTIFICATION_DATA the driver writes the queue index. */
	*(volatile uint16_t *)vq->notify_addr = (uint16_t)vq->index;
}

static const struct virtio_transport_ops vp_ops = {
	.get_status = vp_get_status,
	.set_status = vp_set_status,
	.reset = vp_reset,
	.get_features = vp_get_features,
	.set_features = vp_set_features,
	.config_read = vp_config_read,
	.config_write = vp_config_write,
	.config_generation = vp_config_generation,
	.queue_max_size = vp_queue_max_size,
	.queue_activate = vp_queue_activate,
	.queue_deactivate = vp_queue_deactivate,
	.notify = vp_notify,
};

/* The virtio device type of a PCI function, or 0 when it is not a virtio device. */
static uint32_t vp_device_type(struct pci_device *p)
{
	if (p->vendor != VIRTIO_PCI_VENDOR)
		return 0;
	if (p->device >= VIRTIO_PCI_MODERN_BASE && p->device <= VIRTIO_PCI_MODERN_LAST)
		return p->device - VIRTIO_PCI_MODERN_BASE;
	if (p->device >= VIRTIO_PCI_TRANS_FIRST && p->device <= VIRTIO_PCI_TRANS_LAST)
		return p->subsys_device;
	return 0;
}

bool virtio_pci_match_id(struct device *dev, uint32_t device_id)
{
	struct pci_device *p = pci_from_device(dev);

	return p && device_id && vp_device_type(p) == device_id;
}

/*
 * One structure from a vendor capability: its mapping, checked against
 * its BAR (§4.1.4.1: the first usable capability of each type wins).
 */
static volatile uint8_t *vp_map_cap(struct virtio_pci_device *vp, int cap, uint32_t *len_out)
{
	struct pci_device *p = vp->pci;
	uint8_t bar = pci_read8(p, (unsigned int)cap + CAP_BAR);
	uint32_t off = pci_read32(p, (unsigned int)cap + CAP_OFFSET);
	uint32_t len = pci_read32(p, (unsigned int)cap + CAP_LENGTH);
	uint8_t *base;

	if (bar >= PCI_NUM_BARS || p->bar[bar].is_io || p->bar[bar].size == 0 ||
	    (uint64_t)off + len > p->bar[bar].size)
		return NULL;
	base = pci_map_bar(p, bar);
	if (!base)
		return NULL;
	*len_out = len;
	return base + off;
}

static int vp_find_caps(struct virtio_pci_device *vp)
{
	struct pci_device *p = vp->pci;
	bool have_common = false, have_notify = false, have_isr = false;
	uint32_t len;

	for (int cap = pci_find_cap(p, PCI_CAP_VENDOR, 0); cap; cap = pci_find_cap(p, PCI_CAP_VENDOR, cap)) {
		uint8_t type = pci_read8(p, (unsigned int)cap + CAP_CFG_TYPE);
		volatile uint8_t *m;

		if (pci_read8(p, (unsigned int)cap + 2) < CAP_LEN_MIN)
			continue;
		if (type == CFG_COMMON && !have_common) {
			m = vp_map_cap(vp, cap, &len);
			if (m && len >= COMMON_LEN_MIN) {
				vp->common = m;
				have_common = true;
			}
		} else if (type == CFG_NOTIFY && !have_notify) {
			m = vp_map_cap(vp, cap, &len);
			if (m && len >= 2) {
				vp->notify = m;
				vp->notify_len = len;
				vp->notify_mult = pci_read32(p, (unsigned int)cap + CAP_NOTIFY_MULT);
				have_notify = true;
			}
		} else if (type == CFG_ISR && !have_isr) {
			m = vp_map_cap(vp, cap, &len);
			if (m && len >= 1) {
				vp->isr = m;
				have_isr = true;
			}
		} else if (type == CFG_DEVICE && !vp->device) {
			m = vp_map_cap(vp, cap, &len);
			if (m) {
				vp->device = m;
				vp->device_len = len;
			}
		}
	}
	if (!have_common)
		return -ENOENT;
	if (!have_notify || !have_isr) {
		pr_err("%s: virtio-pci without a usable %s structure\n", p->dev.name,
		       have_notify ? "ISR" : "notify");
		return -EIO;
	}
	return 0;
}

int virtio_pci_attach(struct device *dev, struct virtio_device **out)
{
	struct pci_device *p = pci_from_device(dev);
	struct virtio_pci_device *vp;
	int r;

	if (!p)
		return -ENODEV;
	/* A second probe (device_probe_all run again) finds the transport set up by the first. */
	if (dev->driver_data) {
		*out = dev->driver_data;
		return 0;
	}
	vp = kcalloc(1, sizeof(*vp));
	if (!vp)
		return -ENOMEM;
	vp->pci = p;
	pci_enable(p);
	r = vp_find_caps(vp);
	if (r) {
		if (r == -ENOENT)
			pr_warn("%s: legacy-only virtio PCI device: not supported\n", dev->name);
		kfree(vp);
		return -ENODEV;
	}
	vp->num_queues = c_rd16(vp, COMMON_NUMQ);
	vp->vdev.dev = dev;
	vp->vdev.ops = &vp_ops;
	vp->vdev.transport = "virtio-pci";
	vp->vdev.transport_data = vp;
	vp->vdev.device_id = vp_device_type(p);
	vp->vdev.legacy = false;
	dev->driver_data = &vp->vdev;
	*out = &vp->vdev;
	return 0;
}
