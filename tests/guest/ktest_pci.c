/* SPDX-License-Identifier: BSD-2-Clause */
/* PCI in a booted guest: enumeration on pc and q35 (none on microvm), BARs, capabilities, MSI and INTx. */
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "drivers/pci/pci.h"
#include "kernel/device.h"
#include "kernel/heap.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "lib/string.h"

/* QEMU's teaching device (docs/specs/edu.rst): BAR0 registers, an interrupt raised on request. */
#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8
#define EDU_IDENT		0x00
#define EDU_LIVENESS		0x04	/* reads back the complement of what was written */
#define EDU_IRQ_STATUS		0x24
#define EDU_IRQ_RAISE		0x60
#define EDU_IRQ_ACK		0x64

/* virtio 1.2 §4.1.4: vendor capability fields and the four structures every modern device has. */
#define VIRTIO_CAP_CFG_TYPE	3
#define VIRTIO_CAP_BAR		4
#define VIRTIO_CAP_OFFSET	8
#define VIRTIO_CAP_LENGTH	12
#define VIRTIO_CAP_NOTIFY_MULT	16
/* virtio 1.2 §4.1.4.3: the common configuration structure. */
#define VC_DEVICE_FEATURE_SELECT 0x00
#define VC_DEVICE_FEATURE	0x04
#define VC_DRIVER_FEATURE_SELECT 0x08
#define VC_DRIVER_FEATURE	0x0c
#define VC_MSIX_CONFIG		0x10
#define VIRTIO_COMMON_NUM_QUEUES 0x12
#define VC_STATUS		0x14
#define VC_QUEUE_SELECT		0x16
#define VC_QUEUE_SIZE		0x18
#define VC_QUEUE_MSIX_VECTOR	0x1a
#define VC_QUEUE_ENABLE		0x1c
#define VC_QUEUE_NOTIFY_OFF	0x1e
#define VC_QUEUE_DESC		0x20
#define VC_QUEUE_DRIVER		0x28
#define VC_QUEUE_DEVICE		0x30
/* virtio 1.2 §2.1: status bits; §6: VIRTIO_F_VERSION_1 is feature bit 32. */
#define VS_ACKNOWLEDGE		1
#define VS_DRIVER		2
#define VS_DRIVER_OK		4
#define VS_FEATURES_OK		8
#define VIRTIO_NO_VECTOR	0xffff
#define RNG_QUEUE_SIZE		8

static struct pci_device *find(uint16_t vendor, uint16_t device, unsigned int nth)
{
	for (struct device *d = device_next(NULL); d; d = device_next(d)) {
		struct pci_device *p = pci_from_device(d);

		if (p && p->vendor == vendor && p->device == device && nth-- == 0)
			return p;
	}
	return NULL;
}

static unsigned int count_pci(void)
{
	unsigned int n = 0;

	for (struct device *d = device_next(NULL); d; d = device_next(d))
		n += pci_from_device(d) != NULL;
	return n;
}

#define R8(p, o)	(*(volatile uint8_t *)((p) + (o)))
#define R16(p, o)	(*(volatile uint16_t *)((p) + (o)))
#define R32(p, o)	(*(volatile uint32_t *)((p) + (o)))

static volatile unsigned int rng_irqs[2];

static void rng_handler(struct trap_frame *tf, void *arg)
{
	(void)tf;
	rng_irqs[(uintptr_t)arg]++;
}

static void w64(volatile uint8_t *common, unsigned int off, uint64_t v)
{
	/* 64-bit fields may be written as two 32-bit halves, low first (virtio 1.2 §4.1.3.1). */
	R32(common, off) = (uint32_t)v;
	R32(common, off + 4) = (uint32_t)(v >> 32);
}

/*
 * MSI-X end to end: the smallest virtio-rng driver (virtio 1.2 §3.1, §2.7,
 * §5.4) asks for 16 random bytes with queue 0 on MSI-X entry 1 and waits
 * for that vector. The configuration vector is entry 0.
 */
static int check_msix_rng(struct pci_device *dev, volatile uint8_t *common, volatile uint8_t *notify_base,
			  uint32_t notify_mult)
{
	int failures = 0, vecs[2] = { -1, -1 };
	void *args[2] = { (void *)0, (void *)1 };
	uint8_t *ring = kmalloc_aligned(4096, 4096), *buf = kcalloc(1, 16);
	volatile uint16_t *avail, *used;
	uint64_t *desc, end;
	uint16_t qsize;
	bool zero = true;

	KCHECK(ring && buf);
	if (!ring || !buf)
		return failures;
	memset(ring, 0, 4096);
	R8(common, VC_STATUS) = 0;
	while (R8(common, VC_STATUS) != 0)
		cpu_relax();
	R8(common, VC_STATUS) = VS_ACKNOWLEDGE | VS_DRIVER;
	R32(common, VC_DEVICE_FEATURE_SELECT) = 1;
	KCHECK(R32(common, VC_DEVICE_FEATURE) & 1);
	R32(common, VC_DRIVER_FEATURE_SELECT) = 0;
	R32(common, VC_DRIVER_FEATURE) = 0;
	R32(common, VC_DRIVER_FEATURE_SELECT) = 1;
	R32(common, VC_DRIVER_FEATURE) = 1;
	R8(common, VC_STATUS) = VS_ACKNOWLEDGE | VS_DRIVER | VS_FEATURES_OK;
	KCHECK(R8(common, VC_STATUS) & VS_FEATURES_OK);

	KCHECK(pci_enable_msix(dev, 2, rng_handler, args, vecs) == 0);
	KCHECK(vecs[0] >= 32 && vecs[1] >= 32 && vecs[0] != vecs[1]);
	KCHECK(pci_enable_msix(dev, 2, rng_handler, args, NULL) == -EBUSY);
	KCHECK(pci_enable_intx(dev, rng_handler, NULL) == -EBUSY);
	R16(common, VC_MSIX_CONFIG) = 0;
	KCHECK(R16(common, VC_MSIX_CONFIG) == 0);
	R16(common, VC_QUEUE_SELECT) = 0;
	qsize = R16(common, VC_QUEUE_SIZE);
	KCHECK(qsize >= 1);
	if (qsize > RNG_QUEUE_SIZE)
		R16(common, VC_QUEUE_SIZE) = qsize = RNG_QUEUE_SIZE;
	R16(common, VC_QUEUE_MSIX_VECTOR) = 1;
	KCHECK(R16(common, VC_QUEUE_MSIX_VECTOR) == 1);
	/* One page: descriptors at 0, the available ring at 1024, the used ring at 2048 (§2.7). */
	desc = (uint64_t *)ring;
	avail = (volatile uint16_t *)(ring + 1024);
	used = (volatile uint16_t *)(ring + 2048);
	w64(common, VC_QUEUE_DESC, virt_to_phys(desc));
	w64(common, VC_QUEUE_DRIVER, virt_to_phys((void *)avail));
	w64(common, VC_QUEUE_DEVICE, virt_to_phys((void *)used));
	R16(common, VC_QUEUE_ENABLE) = 1;
	R8(common, VC_STATUS) = VS_ACKNOWLEDGE | VS_DRIVER | VS_FEATURES_OK | VS_DRIVER_OK;

	/* Descriptor 0: 16 device-writable bytes (flags 2 = VIRTQ_DESC_F_WRITE). */
	desc[0] = virt_to_phys(buf);
	desc[1] = 16 | (uint64_t)2 << 32;
	avail[2] = 0;		/* ring[0] = descriptor 0 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	avail[1] = 1;		/* idx */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	R16(notify_base, (unsigned int)R16(common, VC_QUEUE_NOTIFY_OFF) * notify_mult) = 0;
	end = time_monotonic_ns() + 1000000000ull;
	while (!rng_irqs[1] && time_monotonic_ns() < end)
		cpu_relax();
	KCHECK(rng_irqs[1] == 1);
	KCHECK(rng_irqs[0] == 0);
	KCHECK(used[1] == 1);
	for (int i = 0; i < 16; i++)
		zero &= buf[i] == 0;
	KCHECK(!zero);
	printk("ktest: pci: virtio-rng %s: MSI-X vectors %d %d, queue interrupt %s\n", dev->dev.name,
	       vecs[0], vecs[1], rng_irqs[1] == 1 ? "delivered" : "missing");
	R8(common, VC_STATUS) = 0;	/* reset: the device forgets the queue before its memory goes */
	while (R8(common, VC_STATUS) != 0)
		cpu_relax();
	kfree(ring);
	kfree(buf);
	return failures;
}

static int check_virtio(struct pci_device *dev)
{
	volatile uint8_t *notify = NULL;
	uint32_t notify_mult = 0;
	int failures = 0, ncaps = 0;
	unsigned int seen = 0;
	uint64_t bar_bytes = 0;
	volatile uint8_t *common = NULL;

	for (int i = 0; i < PCI_NUM_BARS; i++)
		if (dev->bar[i].size && !dev->bar[i].is_io)
			bar_bytes += dev->bar[i].size;
	KCHECK(bar_bytes > 0);
	pci_enable(dev);
	for (int c = pci_find_cap(dev, PCI_CAP_VENDOR, 0); c; c = pci_find_cap(dev, PCI_CAP_VENDOR, c)) {
		unsigned int type = pci_read8(dev, (unsigned int)c + VIRTIO_CAP_CFG_TYPE);
		unsigned int bar = pci_read8(dev, (unsigned int)c + VIRTIO_CAP_BAR);
		uint32_t off = pci_read32(dev, (unsigned int)c + VIRTIO_CAP_OFFSET);
		uint32_t len = pci_read32(dev, (unsigned int)c + VIRTIO_CAP_LENGTH);

		KCHECK(++ncaps < 48);
		if (ncaps >= 48)
			break;
		if (type < 1 || type > 4)
			continue;
		seen |= 1u << type;
		KCHECK(bar < PCI_NUM_BARS && dev->bar[bar].size && !dev->bar[bar].is_io);
		if (bar >= PCI_NUM_BARS)
			continue;
		KCHECK((uint64_t)off + len <= dev->bar[bar].size);
		if ((type == 1 || type == 2) && dev->bar[bar].size) {
			uint8_t *b = pci_map_bar(dev, (int)bar);

			KCHECK(b != NULL);
			KCHECK(pci_map_bar(dev, (int)bar) == b);
			if (b && type == 1)
				common = b + off;
			if (b && type == 2) {
				notify = b + off;
				notify_mult = pci_read32(dev, (unsigned int)c + VIRTIO_CAP_NOTIFY_MULT);
			}
		}
	}
	printk("ktest: pci: virtio %04x at %s: %d vendor caps, cfg types %s%s%s%s\n", dev->device,
	       dev->dev.name, ncaps, seen & 2 ? "1" : "", seen & 4 ? "2" : "", seen & 8 ? "3" : "",
	       seen & 16 ? "4" : "");
	KCHECK(seen == 0x1e);
	KCHECK(pci_find_cap(dev, PCI_CAP_MSIX, 0) >= 0x40);
	if (common) {
		uint16_t nq = *(volatile uint16_t *)(common + VIRTIO_COMMON_NUM_QUEUES);

		printk("ktest: pci: virtio %s has %u queues\n", dev->dev.name, nq);
		KCHECK(nq >= 1 && nq != 0xffff);
		/* virtio-rng: modern 1044 or transitional 1005. */
		if ((dev->device == 0x1044 || dev->device == 0x1005) && notify)
			failures += check_msix_rng(dev, common, notify, notify_mult);
	}
	return failures;
}

struct edu_irq {
	volatile uint8_t *regs;
	volatile unsigned int count;
	volatile uint32_t status;
};

static void edu_handler(struct trap_frame *tf, void *arg)
{
	struct edu_irq *e = arg;
	uint32_t st = *(volatile uint32_t *)(e->regs + EDU_IRQ_STATUS);

	(void)tf;
	/* INTx is level-triggered and may be shared: only count (and acknowledge) our own. */
	if (!st)
		return;
	*(volatile uint32_t *)(e->regs + EDU_IRQ_ACK) = st;
	e->status = st;
	e->count++;
}

/* Raises an interrupt on the edu device and waits up to a second for the handler. */
static bool edu_raise(struct edu_irq *e, uint32_t bits)
{
	unsigned int before = e->count;
	uint64_t end = time_monotonic_ns() + 1000000000ull;

	*(volatile uint32_t *)(e->regs + EDU_IRQ_RAISE) = bits;
	while (e->count == before && time_monotonic_ns() < end)
		cpu_relax();
	return e->count != before && e->status == bits;
}

static int check_edu(struct pci_device *dev, unsigned int nth)
{
	static struct edu_irq irqs[2];
	struct edu_irq *e = &irqs[nth];
	int failures = 0, r;
	const char *mode = nth == 0 ? "MSI" : "INTx";

	pci_enable(dev);
	e->regs = pci_map_bar(dev, 0);
	KCHECK(e->regs != NULL);
	if (!e->regs)
		return failures;
	KCHECK((*(volatile uint32_t *)(e->regs + EDU_IDENT) & 0xff) == 0xed);
	*(volatile uint32_t *)(e->regs + EDU_LIVENESS) = 0x12345678;
	KCHECK(*(volatile uint32_t *)(e->regs + EDU_LIVENESS) == ~0x12345678u);
	/* The first edu device is tested with MSI, the second with INTx through the I/O APIC. */
	r = nth == 0 ? pci_enable_msi(dev, edu_handler, e) : pci_enable_intx(dev, edu_handler, e);
	KCHECK(r >= 32);
	if (r < 32)
		return failures;
	KCHECK(pci_enable_msi(dev, edu_handler, e) == -EBUSY);
	KCHECK(pci_enable_msix(dev, 1, edu_handler, NULL, NULL) == -ENODEV);	/* edu has no MSI-X */
	KCHECK(edu_raise(e, 0x5));
	KCHECK(edu_raise(e, 0x100));
	printk("ktest: pci: edu %s: %s vector %d, %u interrupts\n", dev->dev.name, mode, r, e->count);
	return failures;
}

KTEST(pci)
{
	int failures = 0;
	unsigned int n, nvirtio = 0, nbehind = 0;
	struct pci_device *host;

	pci_enumerate();
	n = count_pci();
	pci_enumerate();	/* a second call adds nothing */
	KCHECK(pci_enumerated());
	KCHECK(count_pci() == n);
	device_list_print();
	host = NULL;
	for (struct device *d = device_next(NULL); d; d = device_next(d)) {
		struct pci_device *p = pci_from_device(d);

		if (p && p->bus == 0 && p->slot == 0 && p->func == 0)
			host = p;
	}
	if (!host) {
		printk("ktest: pci: no PCI, configuration %s\n", pci_config_method());
		KCHECK(n == 0);
		KCHECK(strcmp(pci_config_method(), "none") == 0);
		return failures;
	}
	printk("ktest: pci: %u functions, host bridge %04x:%04x, configuration through %s\n", n,
	       host->vendor, host->device, pci_config_method());
	KCHECK(host->vendor == 0x8086);
	if (host->device == 0x29c0) {
		/* q35: the MCH and the ICH9 LPC bridge at 00:1f.0; ACPI's MCFG gives ECAM. */
		struct pci_device *lpc = find(0x8086, 0x2918, 0);

		KCHECK(lpc != NULL);
		KCHECK(lpc && lpc->slot == 0x1f && lpc->class == 0x06 && lpc->subclass == 0x01);
		KCHECK(strcmp(pci_config_method(), "ECAM") == 0);
		/* Extended configuration space exists only with ECAM: a root complex reads 0 or ones there, not a fault. */
		(void)pci_read32(host, 0x100);
		printk("ktest: pci: q35 ok\n");
	} else if (host->device == 0x1237) {
		/* pc: the i440FX host bridge and the PIIX3 ISA bridge (8086:7000) at 00:01.0. */
		KCHECK(find(0x8086, 0x7000, 0) != NULL);
		KCHECK(strcmp(pci_config_method(), "ports 0xcf8/0xcfc") == 0);
		printk("ktest: pci: pc ok\n");
	} else {
		printk("ktest: pci: unknown host bridge\n");
		failures++;
	}
	KCHECK(host->class == 0x06 && host->subclass == 0x00);
	KCHECK(pci_read32(host, PCI_VENDOR_ID) == ((uint32_t)host->device << 16 | host->vendor));

	/* Bad requests are refused, not followed. */
	KCHECK(pci_read32(host, 2) == 0xffffffffu);
	KCHECK(pci_read16(host, 0x1000) == 0xffff);
	KCHECK(pci_find_cap(host, PCI_CAP_MSI, 0x3c) == 0);
	KCHECK(pci_find_cap(host, PCI_CAP_MSI, 0x41) == 0);
	KCHECK(pci_map_bar(host, -1) == NULL && pci_map_bar(host, PCI_NUM_BARS) == NULL);

	for (struct device *d = device_next(NULL); d; d = device_next(d)) {
		struct pci_device *p = pci_from_device(d);
		static const struct pci_id virtio_ids[] = { { 0x1af4, PCI_ANY_ID }, { 0, 0 } };

		if (!p)
			continue;
		KCHECK(strcmp(d->desc, "") != 0 && d->bus_data == p);
		if (p->bus != 0) {
			nbehind++;
			printk("ktest: pci: %s %04x:%04x is behind a bridge\n", d->name, p->vendor, p->device);
		}
		if (p->header_type == 1)
			printk("ktest: pci: bridge %s to bus %u\n", d->name, pci_read8(p, PCI_SECONDARY_BUS));
		/*
		 * virtio-pci: 1af4:1040 + type, or transitional 1000-103f (virtio 1.2
		 * §4.1.2), which QEMU also gives the modern capabilities.
		 */
		if (pci_match_id(d, virtio_ids) && p->device >= 0x1000 && p->device <= 0x107f) {
			nvirtio++;
			failures += check_virtio(p);
		}
	}
	for (unsigned int i = 0; i < 2; i++) {
		struct pci_device *edu = find(EDU_VENDOR, EDU_DEVICE, i);

		if (edu)
			failures += check_edu(edu, i);
	}
	printk("ktest: pci: %u virtio, %u behind bridges\n", nvirtio, nbehind);
	return failures;
}
