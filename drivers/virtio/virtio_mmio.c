/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtio-mmio transport, legacy (version 1) and modern (version 2), with devices from the command line and ACPI. */
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtqueue.h"
#include "kernel/heap.h"
#include "kernel/kva.h"
#include "kernel/log.h"
#include "lib/cmdline.h"
#include "lib/format.h"
#include "lib/list.h"
#include "lib/string.h"
#include "plat/plat.h"

/* Register layout (virtio 1.2 §4.2.2; the legacy-only ones from §4.2.4). */
#define MMIO_MAGIC		0x000
#define MMIO_VERSION		0x004
#define MMIO_DEVICE_ID		0x008
#define MMIO_VENDOR_ID		0x00c
#define MMIO_DEVICE_FEATURES	0x010
#define MMIO_DEVICE_FEATURES_SEL 0x014
#define MMIO_DRIVER_FEATURES	0x020
#define MMIO_DRIVER_FEATURES_SEL 0x024
#define MMIO_GUEST_PAGE_SIZE	0x028	/* legacy */
#define MMIO_QUEUE_SEL		0x030
#define MMIO_QUEUE_NUM_MAX	0x034
#define MMIO_QUEUE_NUM		0x038
#define MMIO_QUEUE_ALIGN	0x03c	/* legacy */
#define MMIO_QUEUE_PFN		0x040	/* legacy */
#define MMIO_QUEUE_READY	0x044
#define MMIO_QUEUE_NOTIFY	0x050
#define MMIO_INTERRUPT_STATUS	0x060
#define MMIO_INTERRUPT_ACK	0x064
#define MMIO_STATUS		0x070
#define MMIO_QUEUE_DESC_LOW	0x080
#define MMIO_QUEUE_DESC_HIGH	0x084
#define MMIO_QUEUE_DRIVER_LOW	0x090
#define MMIO_QUEUE_DRIVER_HIGH	0x094
#define MMIO_QUEUE_DEVICE_LOW	0x0a0
#define MMIO_QUEUE_DEVICE_HIGH	0x0a4
#define MMIO_CONFIG_GENERATION	0x0fc
#define MMIO_CONFIG		0x100

#define MMIO_MAGIC_VALUE	0x74726976	/* "virt" little-endian */
#define MMIO_INT_VRING		1		/* §4.2.2: a used buffer notification */
#define MMIO_INT_CONFIG		2

/* The registers and a little config space: all a device needs mapped, whatever SIZE says. */
#define MMIO_MAP_MAX		0x1000
/* A reset the device has not finished after this long is a dead device (§2.4). */
#define MMIO_RESET_TIMEOUT_NS	((uint64_t)100 * 1000000)

#define CMDLINE_KEY		"virtio_mmio.device"
/* The ACPI hardware ID of virtio-mmio devices (QEMU microvm with ACPI, Firecracker, Linux's driver). */
#define ACPI_HID		"LNRO0005"

struct virtio_mmio_device {
	struct device dev;
	struct virtio_device vdev;
	volatile uint8_t *regs;
	paddr_t base;
	uint64_t size;
	uint32_t irq;
	bool irq_level, irq_low;	/* trigger and polarity */
	uint32_t version;
	int vector;			/* 0 until the interrupt is wired */
	char desc[56];
	struct list_node link;		/* every region scanned, so a second scan adds nothing twice */
};

static struct list_node scanned = LIST_INIT(scanned);

static inline struct virtio_mmio_device *to_mmio(struct virtio_device *vdev)
{
	return vdev->transport_data;
}

static inline uint32_t rd32(struct virtio_mmio_device *m, unsigned int off)
{
	return *(volatile uint32_t *)(m->regs + off);
}

static inline void wr32(struct virtio_mmio_device *m, unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(m->regs + off) = v;
}

static uint8_t mmio_get_status(struct virtio_device *vdev)
{
	return (uint8_t)rd32(to_mmio(vdev), MMIO_STATUS);
}

static void mmio_set_status(struct virtio_device *vdev, uint8_t status)
{
	wr32(to_mmio(vdev), MMIO_STATUS, status);
}

static int mmio_reset(struct virtio_device *vdev)
{
	wr32(to_mmio(vdev), MMIO_STATUS, 0);
	return virtio_wait_reset(vdev, MMIO_RESET_TIMEOUT_NS);
}

static uint64_t mmio_get_features(struct virtio_device *vdev)
{
	struct virtio_mmio_device *m = to_mmio(vdev);
	uint64_t f;

	wr32(m, MMIO_DEVICE_FEATURES_SEL, 0);
	f = rd32(m, MMIO_DEVICE_FEATURES);
	if (m->version >= 2) {
		wr32(m, MMIO_DEVICE_FEATURES_SEL, 1);
		f |= (uint64_t)rd32(m, MMIO_DEVICE_FEATURES) << 32;
	}
	return f;
}

static void mmio_set_features(struct virtio_device *vdev, uint64_t features)
{
	struct virtio_mmio_device *m = to_mmio(vdev);

	wr32(m, MMIO_DRIVER_FEATURES_SEL, 0);
	wr32(m, MMIO_DRIVER_FEATURES, (uint32_t)features);
	if (m->version >= 2) {
		wr32(m, MMIO_DRIVER_FEATURES_SEL, 1);
		wr32(m, MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	} else {
		/* §4.2.4: legacy devices learn the page size that QueuePFN counts in, once, before any queue. */
		wr32(m, MMIO_GUEST_PAGE_SIZE, (uint32_t)PAGE_SIZE);
	}
}

static uint32_t mmio_config_read(struct virtio_device *vdev, unsigned int off, unsigned int width)
{
	volatile uint8_t *p = to_mmio(vdev)->regs + MMIO_CONFIG + off;

	if (MMIO_CONFIG + off + width > MMIO_MAP_MAX)
		return 0;
	switch (width) {
	case 1: return *p;
	case 2: return *(volatile uint16_t *)p;
	default: return *(volatile uint32_t *)p;
	}
}

static void mmio_config_write(struct virtio_device *vdev, unsigned int off, unsigned int width,
			      uint32_t v)
{
	volatile uint8_t *p = to_mmio(vdev)->regs + MMIO_CONFIG + off;

	if (MMIO_CONFIG + off + width > MMIO_MAP_MAX)
		return;
	switch (width) {
	case 1: *p = (uint8_t)v; break;
	case 2: *(volatile uint16_t *)p = (uint16_t)v; break;
	default: *(volatile uint32_t *)p = v; break;
	}
}

static uint32_t mmio_config_generation(struct virtio_device *vdev)
{
	struct virtio_mmio_device *m = to_mmio(vdev);

	/* Legacy devices have no generation counter (§4.2.4): their config never tears by our reading it. */
	return m->version >= 2 ? rd32(m, MMIO_CONFIG_GENERATION) : 0;
}

static unsigned int mmio_queue_max_size(struct virtio_device *vdev, unsigned int index)
{
	struct virtio_mmio_device *m = to_mmio(vdev);

	wr32(m, MMIO_QUEUE_SEL, index);
	/* §4.2.3.2: a queue already live (Ready, or a legacy PFN) is not ours to set up again. */
	if (rd32(m, m->version >= 2 ? MMIO_QUEUE_READY : MMIO_QUEUE_PFN) != 0)
		return 0;
	return rd32(m, MMIO_QUEUE_NUM_MAX);
}

static void mmio_irq(struct trap_frame *tf, void *arg)
{
	struct virtio_mmio_device *m = arg;
	uint32_t status;

	(void)tf;
	/*
	 * Acknowledged before the callbacks run, and read again until clear:
	 * a cause raised meanwhile then cannot hide behind an edge already
	 * taken, should the line be wired edge-triggered. Bounded, in case
	 * the device never clears it.
	 */
	for (int round = 0; round < 4; round++) {
		status = rd32(m, MMIO_INTERRUPT_STATUS);
		if (!status)
			return;
		wr32(m, MMIO_INTERRUPT_ACK, status);
		if (status & MMIO_INT_VRING)
			virtio_interrupt_all_queues(&m->vdev);
		if (status & MMIO_INT_CONFIG)
			virtio_interrupt_config(&m->vdev);
	}
}

static int mmio_wire_irq(struct virtio_mmio_device *m)
{
	int v, r;

	if (m->vector)
		return 0;
	v = trap_alloc_vector(mmio_irq, m);
	if (v < 0) {
		pr_err("%s: no free interrupt vector\n", m->dev.name);
		return v;
	}
	/*
	 * QEMU drives the line from InterruptStatus (a level, active high,
	 * assumed for command-line devices; ACPI says so itself); Firecracker's
	 * irqfd pulses, which a level-triggered input also takes.
	 */
	r = plat_route_gsi(m->irq, (unsigned int)v, m->irq_level, m->irq_low);
	if (r) {
		pr_err("%s: cannot route IRQ %u (%d)\n", m->dev.name, m->irq, r);
		trap_set_handler((unsigned int)v, NULL, NULL);
		return r;
	}
	m->vector = v;
	return 0;
}

static int mmio_queue_activate(struct virtio_device *vdev, struct virtqueue *vq)
{
	struct virtio_mmio_device *m = to_mmio(vdev);
	int r;

	if (vq->callback) {
		r = mmio_wire_irq(m);
		if (r)
			return r;
	}
	wr32(m, MMIO_QUEUE_SEL, vq->index);
	wr32(m, MMIO_QUEUE_NUM, vq->size);
	if (m->version >= 2) {
		wr32(m, MMIO_QUEUE_DESC_LOW, (uint32_t)vq->desc_pa);
		wr32(m, MMIO_QUEUE_DESC_HIGH, (uint32_t)(vq->desc_pa >> 32));
		wr32(m, MMIO_QUEUE_DRIVER_LOW, (uint32_t)vq->avail_pa);
		wr32(m, MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(vq->avail_pa >> 32));
		wr32(m, MMIO_QUEUE_DEVICE_LOW, (uint32_t)vq->used_pa);
		wr32(m, MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(vq->used_pa >> 32));
		wr32(m, MMIO_QUEUE_READY, 1);
	} else {
		/* §4.2.4: one contiguous area, used ring at QueueAlign, found by page number. */
		if ((vq->ring_pa / PAGE_SIZE) >> 32)
			return -ERANGE;
		wr32(m, MMIO_QUEUE_ALIGN, VIRTQ_LEGACY_ALIGN);
		wr32(m, MMIO_QUEUE_PFN, (uint32_t)(vq->ring_pa / PAGE_SIZE));
	}
	return 0;
}

static void mmio_queue_deactivate(struct virtio_device *vdev, struct virtqueue *vq)
{
	struct virtio_mmio_device *m = to_mmio(vdev);

	wr32(m, MMIO_QUEUE_SEL, vq->index);
	wr32(m, m->version >= 2 ? MMIO_QUEUE_READY : MMIO_QUEUE_PFN, 0);
}

static void mmio_notify(struct virtqueue *vq)
{
	wr32(to_mmio(vq->vdev), MMIO_QUEUE_NOTIFY, vq->index);
}

static const struct virtio_transport_ops mmio_ops = {
	.get_status = mmio_get_status,
	.set_status = mmio_set_status,
	.reset = mmio_reset,
	.get_features = mmio_get_features,
	.set_features = mmio_set_features,
	.config_read = mmio_config_read,
	.config_write = mmio_config_write,
	.config_generation = mmio_config_generation,
	.queue_max_size = mmio_queue_max_size,
	.queue_activate = mmio_queue_activate,
	.queue_deactivate = mmio_queue_deactivate,
	.notify = mmio_notify,
};

/* A decimal or 0x-prefixed hex number; advances *s. False when there are no digits or it overflows. */
static bool parse_number(const char **s, uint64_t *out, bool allow_hex)
{
	const char *p = *s;
	unsigned int base = 10;
	uint64_t v = 0;
	bool any = false;

	if (allow_hex && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (;; p++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned int)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned int)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned int)(*p - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
		any = true;
	}
	*s = p;
	*out = v;
	return any;
}

/* SIZE@ADDR:IRQ[:ID], as Linux's virtio_mmio.device= (SIZE may end in K, M or G). NULL or what is wrong. */
static const char *parse_entry(const char *s, uint64_t *size, uint64_t *addr, uint32_t *irq)
{
	uint64_t v, id;
	unsigned int shift = 0;

	if (!s || !*s)
		return "no value";
	if (!parse_number(&s, size, true))
		return "bad size";
	switch (*s) {
	case 'k': case 'K': shift = 10; s++; break;
	case 'm': case 'M': shift = 20; s++; break;
	case 'g': case 'G': shift = 30; s++; break;
	}
	if (*size > (UINT64_MAX >> shift))
		return "size too large";
	*size <<= shift;
	if (*s++ != '@')
		return "expected '@' after the size";
	if (!parse_number(&s, addr, true))
		return "bad address";
	if (*s++ != ':')
		return "expected ':' and an IRQ after the address";
	if (!parse_number(&s, &v, false) || v > 0xffffffffu)
		return "bad IRQ";
	*irq = (uint32_t)v;
	if (*s == ':' && (s++, !parse_number(&s, &id, false)))
		return "bad device id";
	if (*s)
		return "trailing characters";
	if (*size < MMIO_CONFIG)
		return "size below the 0x100 bytes of registers";
	if (*addr == 0 || *addr + *size < *addr || *addr >= (1ull << 52))
		return "address out of range";
	if (*addr & 3)
		return "address not 4-byte aligned";
	return NULL;
}

/*
 * source names the entry for messages: "virtio_mmio.device=4K@0xd0000000:5",
 * "ACPI device VR23" (acpi: the DSDT described it).
 */
static void mmio_add(const char *source, bool acpi, uint64_t size, uint64_t addr, uint32_t irq,
		     bool level, bool active_low)
{
	struct virtio_mmio_device *m;
	struct list_node *n;
	volatile uint8_t *regs;
	uint32_t magic, version, id;

	/* Seen by an earlier scan, listed twice, or named both on the command line and by ACPI. */
	for (n = scanned.next; n != &scanned; n = n->next)
		if (list_entry(n, struct virtio_mmio_device, link)->base == addr)
			return;
	regs = ioremap(addr, MIN(size, (uint64_t)MMIO_MAP_MAX));
	if (!regs) {
		pr_warn("virtio-mmio: cannot map %s; skipped\n", source);
		return;
	}
	magic = *(volatile uint32_t *)(regs + MMIO_MAGIC);
	version = *(volatile uint32_t *)(regs + MMIO_VERSION);
	id = *(volatile uint32_t *)(regs + MMIO_DEVICE_ID);
	if (magic != MMIO_MAGIC_VALUE) {
		pr_warn("virtio-mmio: no device at %#lx (magic %#x); %s skipped\n", addr, magic, source);
		return;
	}
	if (version != 1 && version != 2) {
		pr_warn("virtio-mmio@%#lx: unknown version %u; skipped\n", addr, version);
		return;
	}
	m = kcalloc(1, sizeof(*m));
	if (!m) {
		pr_err("virtio-mmio@%#lx: out of memory\n", addr);
		return;
	}
	m->regs = regs;
	m->base = addr;
	m->size = size;
	m->irq = irq;
	m->irq_level = level;
	m->irq_low = active_low;
	m->version = version;
	list_push_back(&scanned, &m->link);
	/* §4.2.3.1.1: device ID 0 is a placeholder slot without a device behind it. */
	if (id == 0)
		return;

	fmt_snprintf(m->dev.name, sizeof(m->dev.name), "virtio-mmio@%#lx", addr);
	fmt_snprintf(m->desc, sizeof(m->desc), "%s (%u), mmio v%u, IRQ %u%s", virtio_id_name(id), id,
		     version, irq, acpi ? ", ACPI" : "");
	m->dev.bus = BUS_VIRTIO_MMIO;
	m->dev.desc = m->desc;
	m->dev.bus_data = &m->vdev;
	m->vdev.dev = &m->dev;
	m->vdev.ops = &mmio_ops;
	m->vdev.transport = version == 1 ? "virtio-mmio v1 (legacy)" : "virtio-mmio v2";
	m->vdev.transport_data = m;
	m->vdev.device_id = id;
	m->vdev.legacy = version == 1;
	device_add(&m->dev);
}

static void acpi_device(const struct plat_fw_device *d, void *arg)
{
	char source[24];

	(void)arg;
	fmt_snprintf(source, sizeof(source), "ACPI device %s", d->name);
	if (d->size < MMIO_CONFIG || d->base == 0 || (d->base & 3) || d->base >= (1ull << 52)) {
		pr_warn("virtio-mmio: %s has an unusable region %#lx+%#lx; skipped\n", source, d->base,
			d->size);
		return;
	}
	mmio_add(source, true, d->size, d->base, d->gsi, d->level, d->active_low);
}

void virtio_mmio_scan(const struct cmdline *cl)
{
	static const struct cmdline *done;
	static bool fw_done;
	char source[128];

	/*
	 * Boot and a test may both scan: the messages once. cmdline_get()
	 * gives only the last occurrence: every entry is a device.
	 */
	for (unsigned int i = 0; cl != done && i < cl->nparams; i++) {
		const struct cmdline_param *p = &cl->params[i];
		uint64_t size = 0, addr = 0;
		uint32_t irq = 0;
		const char *why;

		if (strcmp(p->key, CMDLINE_KEY) != 0)
			continue;
		why = parse_entry(p->value, &size, &addr, &irq);
		if (why) {
			pr_warn("virtio-mmio: malformed %s=%s (%s); skipped\n", CMDLINE_KEY,
				p->value ? p->value : "", why);
			continue;
		}
		fmt_snprintf(source, sizeof(source), "%s=%s", CMDLINE_KEY, p->value);
		mmio_add(source, false, size, addr, irq, true, false);
	}
	done = cl;
	/*
	 * With ACPI, QEMU lists virtio-mmio devices only in the DSDT, no
	 * longer on the command line (QEMU commit f6f7e2d8, issue #1956).
	 * After the command line, whose entries win; read once.
	 */
	if (!fw_done) {
		fw_done = true;
		plat_find_devices(ACPI_HID, acpi_device, NULL);
	}
}
