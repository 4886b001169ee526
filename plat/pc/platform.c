/* SPDX-License-Identifier: BSD-2-Clause */
/* PC-compatible platforms (QEMU pc, q35, microvm; Firecracker): firmware tables and interrupt controllers. */
#include <mote/errno.h>
#include "arch/x86_64/lapic.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "plat/pc/aml.h"
#include "plat/pc/mptable.h"
#include "plat/pc/pc.h"
#include "plat/plat.h"

struct pc_platform pc;

/* ISA IRQs are wired 1:1 to GSIs, edge-triggered and active high, unless firmware says otherwise. */
static void isa_irq_defaults(void)
{
	for (uint8_t i = 0; i < 16; i++)
		pc.isa_irq[i] = (struct pc_irq_override){ i, i, INTI_POLARITY_HIGH | INTI_TRIGGER_EDGE };
}

static void use_acpi(void)
{
	pc.acpi = true;
	pc.lapic = pc.acpi_info.lapic;
	pc.nioapic = pc.acpi_info.nioapic;
	for (unsigned int i = 0; i < pc.nioapic; i++)
		pc.ioapic[i] = pc.acpi_info.ioapic[i];
	pc.ncpus = pc.acpi_info.ncpus;
	isa_irq_defaults();
	for (unsigned int i = 0; i < pc.acpi_info.niso; i++)
		if (pc.acpi_info.iso[i].irq < 16)
			pc.isa_irq[pc.acpi_info.iso[i].irq] = pc.acpi_info.iso[i];
}

static void use_mptable(const struct mptable_info *mp)
{
	pc.mptable = true;
	pc.lapic = mp->lapic;
	pc.nioapic = mp->nioapic < ACPI_MAX_IOAPIC ? mp->nioapic : ACPI_MAX_IOAPIC;
	for (unsigned int i = 0; i < pc.nioapic; i++)
		pc.ioapic[i] = mp->ioapic[i];
	pc.ncpus = mp->ncpus;
	isa_irq_defaults();
	for (unsigned int i = 0; i < mp->nirq; i++)
		if (mp->irq[i].route.irq < 16)
			pc.isa_irq[mp->irq[i].route.irq] = mp->irq[i].route;
}

/*
 * Cheapest source first, because scanning the BIOS area costs ~10^5
 * instructions: an RSDP the boot protocol handed over (QEMU's PVH ROM,
 * Linux boot_params); else an MP table in the EBDA or below 640 KiB (qboot
 * on microvm); else a scan for the RSDP, then for an MP table in the ROM.
 */
void plat_init_early(const struct bootinfo *bi)
{
	const char *err = NULL;
	struct mptable_info mp;
	int r;

	if (bi->rsdp) {
		r = acpi_parse(&pc.acpi_info, mem_phys_access, NULL, bi->rsdp, &err);
		if (r == 0 && pc.acpi_info.has_madt) {
			use_acpi();
			return;
		}
		pr_warn("ignoring ACPI at %lx: %s\n", bi->rsdp, r ? err : "no MADT");
	}
	if (mptable_parse(&mp, mem_phys_access, NULL, false, &err) == 0) {
		use_mptable(&mp);
		return;
	}
	if (!bi->rsdp) {
		r = acpi_parse(&pc.acpi_info, mem_phys_access, NULL, 0, &err);
		if (r == 0 && pc.acpi_info.has_madt) {
			use_acpi();
			return;
		}
		if (r && r != -ENOENT)
			pr_warn("ignoring ACPI: %s\n", err ? err : "unknown error");
	}
	r = mptable_parse(&mp, mem_phys_access, NULL, true, &err);
	if (r == 0) {
		use_mptable(&mp);
		return;
	}
	if (r != -ENOENT)
		pr_warn("ignoring the MP table: %s\n", err ? err : "unknown error");
	pr_info("no ACPI or MP table: assuming one CPU and no I/O APIC\n");
	pc.ncpus = 1;
}

void plat_init(void)
{
	pic_disable();
	for (unsigned int i = 0; i < pc.nioapic; i++)
		ioapic_init(&pc.ioapic[i]);
	lapic_init(pc.lapic);
}

int plat_route_isa_irq(unsigned int irq, unsigned int vector)
{
	struct pc_irq_override r;
	uint16_t flags;

	if (irq >= 16)
		return -EINVAL;
	r = pc.isa_irq[irq];
	if (!pc.nioapic)
		return -ENODEV;
	/* "Conforms to the bus" means ISA's edge, active high. */
	flags = r.flags;
	if ((flags & INTI_POLARITY_MASK) == INTI_POLARITY_BUS)
		flags |= INTI_POLARITY_HIGH;
	if ((flags & INTI_TRIGGER_MASK) == INTI_TRIGGER_BUS)
		flags |= INTI_TRIGGER_EDGE;
	pr_debug("ISA IRQ %u -> GSI %u (flags %#x) -> vector %u\n", irq, r.gsi, flags, vector);
	return ioapic_route(r.gsi, (uint8_t)vector, flags, (uint8_t)lapic_id());
}

int plat_route_gsi(uint32_t gsi, unsigned int vector, bool level, bool active_low)
{
	uint16_t flags = (level ? INTI_TRIGGER_LEVEL : INTI_TRIGGER_EDGE) |
			 (active_low ? INTI_POLARITY_LOW : INTI_POLARITY_HIGH);

	if (!pc.nioapic)
		return -ENODEV;
	return ioapic_route(gsi, (uint8_t)vector, flags, (uint8_t)lapic_id());
}

uint64_t plat_ecam_base(unsigned int *bus_start, unsigned int *bus_end)
{
	if (!pc.acpi || !pc.acpi_info.has_mcfg)
		return 0;
	*bus_start = pc.acpi_info.ecam_bus_start;
	*bus_end = pc.acpi_info.ecam_bus_end;
	return pc.acpi_info.ecam_base;
}

const char *plat_name(void)
{
	if (pc.acpi)
		return "pc (ACPI)";
	if (pc.mptable)
		return "pc (MP table)";
	return "pc (no firmware tables)";
}

struct find_ctx {
	void (*fn)(const struct plat_fw_device *dev, void *arg);
	void *arg;
};

static void dsdt_device(const struct aml_device *d, void *arg)
{
	struct find_ctx *c = arg;
	struct plat_fw_device fd = { .base = d->base, .size = d->size, .gsi = d->gsi,
				     .level = d->level, .active_low = d->active_low };

	if (d->skipped) {
		pr_warn("ACPI DSDT: %s%s at offset %#x skipped: %s\n", d->name[0] ? "device " : "object",
			d->name, d->offset, d->skipped);
		return;
	}
	__builtin_memcpy(fd.name, d->name, sizeof(fd.name));
	c->fn(&fd, c->arg);
}

void plat_find_devices(const char *hid, void (*fn)(const struct plat_fw_device *dev, void *arg),
		       void *arg)
{
	struct find_ctx c = { fn, arg };
	const uint8_t *t;
	const char *err;
	unsigned int cut;
	uint32_t len;

	/* microvm with acpi=off and Firecracker have no ACPI: nothing to read. */
	if (!pc.acpi || !pc.acpi_info.dsdt)
		return;
	t = acpi_table_map(mem_phys_access, NULL, pc.acpi_info.dsdt, "DSDT", &len, &err);
	if (!t) {
		pr_warn("ACPI DSDT: %s; no devices taken from it\n", err);
		return;
	}
	cut = aml_find_devices(t, len, hid, dsdt_device, &c);
	if (cut)
		pr_debug("ACPI DSDT: %u scopes read only in part (terms this reader does not know)\n", cut);
}

bool plat_refclock(struct plat_refclock *out)
{
	out->name = "PIT";
	out->hz = 1193182;	/* Intel 8254 input clock */
	out->read = pit_read;
	out->mask = ~0ull;	/* pit_read() extends the count itself */
	pit_start_free();
	/* Present if it counts: under -icount a tick is ~840 instructions, so poll, bounded. */
	for (int i = 0; i < 100000; i++)
		if (pit_read() != 0)
			return true;
	return false;
}
