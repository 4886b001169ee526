/* SPDX-License-Identifier: BSD-2-Clause */
/* Reads the Intel MP table (processors, I/O APICs, ISA interrupt routing) through the boot accessor. */
#include <mote/errno.h>

#include "plat/pc/mptable.h"

/* MP Floating Pointer Structure, MP spec 1.4 §4.1. */
#define FPS_SIG			"_MP_"
#define FPS_TABLE		4	/* u32: configuration table, 0 if none */
#define FPS_LENGTH		8	/* u8, in 16-byte units */
#define FPS_FEATURE1		11	/* u8: nonzero selects a default configuration */
#define FPS_SIZE		16

/* Where to look, MP spec 1.4 §4: BIOS data area fields and the BIOS ROM. */
#define BDA_EBDA_SEGMENT	0x40e	/* u16 */
#define BDA_BASE_MEM_KB		0x413	/* u16 */
#define BIOS_ROM_BASE		0xf0000
#define BIOS_ROM_SIZE		0x10000

/* MP Configuration Table Header, MP spec 1.4 §4.2. */
#define CT_SIG			"PCMP"
#define CT_BASE_LENGTH		4	/* u16, header included */
#define CT_LAPIC		36	/* u32 */
#define CT_HDR_SIZE		44

/* Base table entries, MP spec 1.4 §4.3: type byte first, length fixed by type. */
#define MP_PROCESSOR		0	/* 20 bytes: apic id @1, flags @3 */
#define MP_BUS			1	/* 8 bytes: bus id @1, type string @2 (6 chars) */
#define MP_IOAPIC		2	/* 8 bytes: id @1, flags @3, address u32 @4 */
#define MP_IOINTR		3	/* 8 bytes: type @1, flags u16 @2, bus @4, irq @5, apic @6, pin @7 */
#define MP_LINTR		4	/* 8 bytes, local APIC inputs: not needed here */
#define MP_CPU_ENABLED		(1u << 0)
#define MP_CPU_BSP		(1u << 1)
#define MP_IOAPIC_ENABLED	(1u << 0)
#define MP_INTR_INT		0	/* vectored interrupt, as opposed to NMI/SMI/ExtINT */
#define MP_ALL_IOAPICS		0xff

static uint8_t sum8(const uint8_t *p, uint64_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

static paddr_t fps_scan(bootinfo_phys_fn phys, void *ctx, paddr_t base, uint64_t len)
{
	const uint8_t *p = bootinfo_map(phys, ctx, base, len);

	if (!p)
		return 0;
	uint32_t sig;

	__builtin_memcpy(&sig, FPS_SIG, 4);
	for (uint64_t off = 0; off + FPS_SIZE <= len; off += 16) {
		uint64_t flen = (uint64_t)p[off + FPS_LENGTH] * 16;

		if (bootinfo_get32(p + off) != sig || flen < FPS_SIZE ||
		    flen > len - off || sum8(p + off, flen) != 0)
			continue;
		return base + off;
	}
	return 0;
}

static paddr_t fps_find(bootinfo_phys_fn phys, void *ctx, bool scan_rom)
{
	const uint8_t *p;
	paddr_t found = 0;
	uint64_t base_kb = 640;	/* when the BDA does not say: the usual 640 KiB */

	p = bootinfo_map(phys, ctx, BDA_EBDA_SEGMENT, 2);
	if (p && bootinfo_get16(p) != 0)
		found = fps_scan(phys, ctx, (paddr_t)bootinfo_get16(p) << 4, 1024);
	if (!found) {
		p = bootinfo_map(phys, ctx, BDA_BASE_MEM_KB, 2);
		if (p && bootinfo_get16(p) >= 1 && bootinfo_get16(p) <= 640)
			base_kb = bootinfo_get16(p);
		found = fps_scan(phys, ctx, (base_kb - 1) * 1024, 1024);
	}
	if (!found && scan_rom)
		found = fps_scan(phys, ctx, BIOS_ROM_BASE, BIOS_ROM_SIZE);
	return found;
}

static void cpu_add(struct mptable_info *mp, uint32_t apic_id, bool bsp)
{
	/* Keep the bootstrap processor in slot 0: the kernel starts the others. */
	if (bsp && mp->ncpus > 0) {
		if (mp->ncpus < MPTABLE_MAX_CPUS)
			mp->cpu_apic_id[mp->ncpus] = mp->cpu_apic_id[0];
		mp->cpu_apic_id[0] = apic_id;
	} else if (mp->ncpus < MPTABLE_MAX_CPUS) {
		mp->cpu_apic_id[mp->ncpus] = apic_id;
	}
	mp->ncpus++;
}

static int ioint_add(struct mptable_info *mp, const uint8_t *e, const uint8_t *isa_bus,
		     const char **err)
{
	uint8_t bus = e[4], irq = e[5], apic = e[6], pin = e[7];
	unsigned int idx;

	if (e[1] != MP_INTR_INT || !(isa_bus[bus / 8] & (1u << (bus % 8))))
		return 0;
	if (irq >= 16) {
		*err = "MP table routes an ISA IRQ above 15";
		return -EINVAL;
	}
	for (unsigned int i = 0; i < mp->nirq; i++)
		if (mp->irq[i].route.irq == irq)
			return 0;	/* first route wins */

	for (idx = 0; idx < mp->nioapic; idx++)
		if (apic == MP_ALL_IOAPICS || mp->ioapic[idx].id == apic)
			break;
	if (idx == mp->nioapic) {
		*err = "MP table routes an interrupt to an unknown I/O APIC";
		return -EINVAL;
	}
	if (pin >= MPTABLE_IOAPIC_PINS) {
		*err = "MP table routes an interrupt to an I/O APIC input above 23";
		return -EINVAL;
	}
	/* At most 16 distinct ISA IRQs, so irq[] cannot overflow. */
	mp->irq[mp->nirq].route.irq = irq;
	mp->irq[mp->nirq].route.gsi = mp->ioapic[idx].gsi_base + pin;
	mp->irq[mp->nirq].route.flags = bootinfo_get16(e + 2);
	mp->irq[mp->nirq].ioapic = (uint8_t)idx;
	mp->irq[mp->nirq].pin = pin;
	mp->nirq++;
	return 0;
}

int mptable_parse(struct mptable_info *out, bootinfo_phys_fn phys, void *ctx, bool scan_rom,
		  const char **err)
{
	const char *dummy;
	const uint8_t *fps, *ct;
	uint8_t isa_bus[256 / 8] = { 0 };
	uint32_t len, off;

	if (!err)
		err = &dummy;
	__builtin_memset(out, 0, sizeof(*out));

	out->fps = fps_find(phys, ctx, scan_rom);
	if (!out->fps) {
		*err = "no MP floating pointer structure found";
		return -ENOENT;
	}
	fps = bootinfo_map(phys, ctx, out->fps, FPS_SIZE);
	if (!fps) {
		*err = "MP floating pointer became unreadable";
		return -EINVAL;
	}
	if (fps[FPS_FEATURE1] != 0) {
		*err = "MP default configurations (feature byte 1 nonzero) are not supported";
		return -EINVAL;
	}
	out->table = bootinfo_get32(fps + FPS_TABLE);
	if (!out->table) {
		*err = "MP floating pointer has no configuration table";
		return -EINVAL;
	}

	ct = bootinfo_map(phys, ctx, out->table, CT_HDR_SIZE);
	if (!ct) {
		*err = "MP configuration table is not readable memory";
		return -EINVAL;
	}
	if (__builtin_memcmp(ct, CT_SIG, 4) != 0) {
		*err = "MP configuration table has no \"PCMP\" signature";
		return -EINVAL;
	}
	len = bootinfo_get16(ct + CT_BASE_LENGTH);
	if (len < CT_HDR_SIZE) {
		*err = "MP configuration table is shorter than its header";
		return -EINVAL;
	}
	ct = bootinfo_map(phys, ctx, out->table, len);
	if (!ct) {
		*err = "MP configuration table runs past readable memory";
		return -EINVAL;
	}
	if (sum8(ct, len) != 0) {
		*err = "MP configuration table checksum mismatch";
		return -EINVAL;
	}
	out->lapic = bootinfo_get32(ct + CT_LAPIC);
	/*
	 * Entries are walked by the table's length, not its entry count, as
	 * Linux does: qboot (QEMU microvm) writes a count of 0 before its
	 * twenty entries. The checksum already covers the whole length.
	 */
	for (off = CT_HDR_SIZE; off < len;) {
		const uint8_t *e = ct + off;
		uint32_t size;
		int r;

		switch (e[0]) {
		case MP_PROCESSOR:
			size = 20;
			break;
		case MP_BUS:
		case MP_IOAPIC:
		case MP_IOINTR:
		case MP_LINTR:
			size = 8;
			break;
		default:
			/* Unknown length: nothing after it can be found. */
			*err = "MP configuration table has an entry of unknown type";
			return -EINVAL;
		}
		if (size > len - off) {
			*err = "MP configuration table entry runs past the table's length";
			return -EINVAL;
		}

		switch (e[0]) {
		case MP_PROCESSOR:
			if (e[3] & MP_CPU_ENABLED)
				cpu_add(out, e[1], e[3] & MP_CPU_BSP);
			break;
		case MP_BUS:
			if (__builtin_memcmp(e + 2, "ISA   ", 6) == 0)
				isa_bus[e[1] / 8] |= (uint8_t)(1u << (e[1] % 8));
			break;
		case MP_IOAPIC:
			if (!(e[3] & MP_IOAPIC_ENABLED))
				break;
			if (out->nioapic == MPTABLE_MAX_IOAPIC) {
				*err = "MP configuration table lists more than 8 I/O APICs";
				return -EINVAL;
			}
			out->ioapic[out->nioapic].id = e[1];
			out->ioapic[out->nioapic].addr = bootinfo_get32(e + 4);
			out->ioapic[out->nioapic].gsi_base = out->nioapic * MPTABLE_IOAPIC_PINS;
			out->nioapic++;
			break;
		case MP_IOINTR:
			r = ioint_add(out, e, isa_bus, err);
			if (r)
				return r;
			break;
		}
		off += size;
	}
	return 0;
}
