/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for the MP table reader, on a table built in a fake 1 MiB physical memory. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mote/errno.h>

#include "plat/pc/mptable.h"
#include "tests/unit/check.h"
#include "tests/unit/fake_phys.h"

#define FPS	0xf5a00
#define CT	0xf5b00
#define EBDA	0x9fc00

static uint32_t ct_len;
static uint16_t ct_count;

static void fps_build(uint64_t a, uint32_t table)
{
	memcpy(mem + a, "_MP_", 4);
	put32(a + 4, table);
	put8(a + 8, 1);
	put8(a + 9, 4);
	put8(a + 10, 0);
	put8(a + 10, (uint8_t)-sum(a, 16));
}

static void ct_seal(void)
{
	put16(CT + 4, (uint16_t)ct_len);
	put16(CT + 34, ct_count);
	put8(CT + 7, 0);
	put8(CT + 7, (uint8_t)-sum(CT, ct_len));
}

static uint64_t ent(uint8_t type, uint32_t size)
{
	uint64_t at = CT + ct_len;

	memset(mem + at, 0, size);
	put8(at, type);
	ct_len += size;
	ct_count++;
	return at;
}

static void cpu(uint8_t id, uint8_t flags)
{
	uint64_t e = ent(0, 20);

	put8(e + 1, id);
	put8(e + 2, 0x14);
	put8(e + 3, flags);
}

static void bus(uint8_t id, const char *type)
{
	uint64_t e = ent(1, 8);

	put8(e + 1, id);
	memcpy(mem + e + 2, type, 6);
}

static void ioapic(uint8_t id, uint8_t flags, uint32_t addr)
{
	uint64_t e = ent(2, 8);

	put8(e + 1, id);
	put8(e + 2, 0x11);
	put8(e + 3, flags);
	put32(e + 4, addr);
}

static void intr(uint8_t type, uint8_t itype, uint16_t flags, uint8_t bus, uint8_t irq,
		 uint8_t apic, uint8_t pin)
{
	uint64_t e = ent(type, 8);

	put8(e + 1, itype);
	put16(e + 2, flags);
	put8(e + 4, bus);
	put8(e + 5, irq);
	put8(e + 6, apic);
	put8(e + 7, pin);
}

/* Roughly what qboot builds for microvm: 2 CPUs, one I/O APIC, ISA IRQs 0-15. */
static void world(void)
{
	memset(mem, 0, MEM_SIZE);
	put16(0x40e, EBDA >> 4);
	put16(0x413, 639);
	fps_build(FPS, CT);
	memcpy(mem + CT, "PCMP", 4);
	put8(CT + 6, 4);
	memcpy(mem + CT + 8, "MOTE    ", 8);
	put32(CT + 36, 0xfee00000);
	ct_len = 44;
	ct_count = 0;
	cpu(1, 1);			/* enabled AP listed first */
	cpu(0, 3);			/* enabled BSP */
	cpu(2, 0);			/* disabled */
	bus(0, "PCI   ");
	bus(1, "ISA   ");
	ioapic(2, 1, 0xfec00000);
	ioapic(3, 0, 0xfec10000);	/* disabled: ignored */
	ioapic(4, 1, 0xfec20000);
	for (uint8_t irq = 0; irq < 16; irq++)
		intr(3, 0, 0, 1, irq, 2, irq == 0 ? 2 : irq);
	intr(3, 0, 0xf, 1, 5, 2, 20);	/* second route for IRQ 5: ignored */
	intr(3, 3, 0, 1, 0, 2, 0);	/* ExtINT: ignored */
	intr(3, 0, 0xf, 0, 3, 4, 7);	/* PCI bus: ignored */
	intr(3, 0, 0xf, 1, 9, 4, 1);	/* dup */
	intr(4, 3, 0, 1, 0, 0xff, 0);	/* local interrupts */
	intr(4, 1, 0, 1, 0, 0xff, 1);
	ct_seal();
}

static struct mptable_info mp;
static const char *err;

static void test_good(void)
{
	world();
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), 0);
	CHECK_EQ(mp.fps, FPS);
	CHECK_EQ(mp.table, CT);
	CHECK_EQ(mp.lapic, 0xfee00000);
	CHECK_EQ(mp.ncpus, 2);
	CHECK_EQ(mp.cpu_apic_id[0], 0);
	CHECK_EQ(mp.cpu_apic_id[1], 1);
	CHECK_EQ(mp.nioapic, 2);
	CHECK_EQ(mp.ioapic[0].id, 2);
	CHECK_EQ(mp.ioapic[0].addr, 0xfec00000);
	CHECK_EQ(mp.ioapic[0].gsi_base, 0);
	CHECK_EQ(mp.ioapic[1].id, 4);
	CHECK_EQ(mp.ioapic[1].gsi_base, 24);
	CHECK_EQ(mp.nirq, 16);
	CHECK_EQ(mp.irq[0].route.irq, 0);
	CHECK_EQ(mp.irq[0].route.gsi, 2);
	CHECK_EQ(mp.irq[0].pin, 2);
	CHECK_EQ(mp.irq[5].route.gsi, 5);
	CHECK_EQ(mp.irq[5].route.flags, 0);
	CHECK_EQ(mp.irq[9].route.gsi, 9);
	CHECK_EQ(mp.irq[9].ioapic, 0);

	/* Found in the EBDA first. */
	world();
	memset(mem + FPS, 0, 16);
	fps_build(EBDA + 0x10, CT);
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), 0);
	CHECK_EQ(mp.fps, EBDA + 0x10);

	/* Last KiB of base memory, with no EBDA pointer. */
	world();
	memset(mem + FPS, 0, 16);
	put16(0x40e, 0);
	put16(0x413, 512);
	fps_build(511 * 1024 + 0x20, CT);
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), 0);
	CHECK_EQ(mp.fps, 511 * 1024 + 0x20);

	/*
	 * qboot (QEMU microvm) leaves both BDA words zero and puts the table in
	 * the last KiB below 640 KiB: a zero base-memory size means 640 KiB.
	 */
	world();
	memset(mem + FPS, 0, 16);
	put16(0x40e, 0);
	put16(0x413, 0);
	fps_build(0x9fc00, CT);
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), 0);
	CHECK_EQ(mp.fps, 0x9fc00);

	/* Without the ROM scan, a table only in the BIOS area is not found. */
	world();
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), 0);
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, false, &err), -ENOENT);

	/* An IRQ routed to the second I/O APIC gets its GSI from that one's base. */
	world();
	ct_len = 44;
	ct_count = 0;
	cpu(0, 3);
	bus(0, "ISA   ");
	ioapic(2, 1, 0xfec00000);
	ioapic(4, 1, 0xfec20000);
	intr(3, 0, 0xd, 0, 11, 4, 3);
	ct_seal();
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), 0);
	CHECK_EQ(mp.nirq, 1);
	CHECK_EQ(mp.irq[0].route.gsi, 27);
	CHECK_EQ(mp.irq[0].route.flags, 0xd);
	CHECK_EQ(mp.irq[0].ioapic, 1);
	CHECK_EQ(mp.irq[0].pin, 3);
}

static void test_bad(void)
{
	world();
	memset(mem + FPS, 0, 16);
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), -ENOENT);
	CHECK_STR(err, "no MP floating pointer structure found");

	/* A floating pointer with a bad checksum is not found. */
	world();
	mem[FPS + 9] ^= 1;
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), -ENOENT);

	/* Length 0 in the floating pointer is not a match either. */
	world();
	put8(FPS + 8, 0);
	put8(FPS + 10, 0);
	put8(FPS + 10, (uint8_t)-sum(FPS, 16));
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), -ENOENT);

	world();
	put8(FPS + 11, 5);
	put8(FPS + 10, 0);
	put8(FPS + 10, (uint8_t)-sum(FPS, 16));
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), -EINVAL);
	CHECK_STR(err, "MP default configurations (feature byte 1 nonzero) are not supported");

	world();
	fps_build(FPS, 0);
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), -EINVAL);
	CHECK_STR(err, "MP floating pointer has no configuration table");

	world();
	fps_build(FPS, 0x7fff0000);
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), -EINVAL);
	CHECK_STR(err, "MP configuration table is not readable memory");

	world();
	memcpy(mem + CT, "PCMQ", 4);
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), -EINVAL);
	CHECK_STR(err, "MP configuration table has no \"PCMP\" signature");

	world();
	mem[CT + 50] ^= 1;
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), -EINVAL);
	CHECK_STR(err, "MP configuration table checksum mismatch");

	world();
	put16(CT + 4, 20);
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), -EINVAL);
	CHECK_STR(err, "MP configuration table is shorter than its header");

	/* Table placed at the very end of memory with a length past it. */
	world();
	memcpy(mem + MEM_SIZE - 64, mem + CT, 64);
	fps_build(FPS, MEM_SIZE - 64);
	put16(MEM_SIZE - 64 + 4, 0x400);
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), -EINVAL);
	CHECK_STR(err, "MP configuration table runs past readable memory");

	/*
	 * The entry count is not trusted, the length is (as Linux reads it):
	 * qboot on QEMU microvm leaves the count at 0 with 20 entries present.
	 */
	world();
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), 0);
	{
		unsigned int nioapic = mp.nioapic, nirq = mp.nirq;

		CHECK(nioapic > 0 && nirq > 0);
		world();
		ct_count = 0;
		ct_seal();
		CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), 0);
		CHECK_EQ(mp.nioapic, nioapic);
		CHECK_EQ(mp.nirq, nirq);
		world();
		ct_count += 1;
		ct_seal();
		CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), 0);
		CHECK_EQ(mp.nioapic, nioapic);
	}

	/* Last entry cut by the stated length. */
	world();
	ct_len -= 4;
	ct_seal();
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), -EINVAL);
	CHECK_STR(err, "MP configuration table entry runs past the table's length");

	/* Unknown entry type. */
	world();
	ent(7, 8);
	ct_seal();
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), -EINVAL);
	CHECK_STR(err, "MP configuration table has an entry of unknown type");

	/* Extended entry type (128+) inside the base table. */
	world();
	ent(128, 8);
	ct_seal();
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), -EINVAL);
	CHECK_STR(err, "MP configuration table has an entry of unknown type");

	/* Interrupt to an I/O APIC that does not exist. */
	world();
	intr(3, 0, 0, 1, 3, 9, 3);
	ct_seal();
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), 0);	/* IRQ 3 already routed */
	world();
	ct_len = 44;
	ct_count = 0;
	bus(1, "ISA   ");
	ioapic(2, 1, 0xfec00000);
	intr(3, 0, 0, 1, 3, 9, 3);
	ct_seal();
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), -EINVAL);
	CHECK_STR(err, "MP table routes an interrupt to an unknown I/O APIC");

	world();
	ct_len = 44;
	ct_count = 0;
	bus(1, "ISA   ");
	ioapic(2, 1, 0xfec00000);
	intr(3, 0, 0, 1, 16, 2, 3);
	ct_seal();
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), -EINVAL);
	CHECK_STR(err, "MP table routes an ISA IRQ above 15");

	world();
	ct_len = 44;
	ct_count = 0;
	bus(1, "ISA   ");
	ioapic(2, 1, 0xfec00000);
	intr(3, 0, 0, 1, 4, 2, 200);
	ct_seal();
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), -EINVAL);
	CHECK_STR(err, "MP table routes an interrupt to an I/O APIC input above 23");

	world();
	ct_len = 44;
	ct_count = 0;
	for (int i = 0; i < 9; i++)
		ioapic((uint8_t)i, 1, 0xfec00000 + 0x1000 * i);
	ct_seal();
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), -EINVAL);
	CHECK_STR(err, "MP configuration table lists more than 8 I/O APICs");

	/* 70 CPUs: counted, the first 64 IDs kept, BSP (listed last) in slot 0. */
	world();
	ct_len = 44;
	ct_count = 0;
	for (int i = 1; i < 70; i++)
		cpu((uint8_t)i, 1);
	cpu(0, 3);
	ct_seal();
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, &err), 0);
	CHECK_EQ(mp.ncpus, 70);
	CHECK_EQ(mp.cpu_apic_id[0], 0);
	CHECK_EQ(mp.cpu_apic_id[1], 2);
	CHECK_EQ(mp.cpu_apic_id[63], 64);

	/* NULL err pointer tolerated. */
	world();
	mem[CT + 50] ^= 1;
	CHECK_EQ(mptable_parse(&mp, fake_phys, NULL, true, NULL), -EINVAL);
}

int main(void)
{
	mem = calloc(1, MEM_SIZE);
	if (!mem)
		return 2;
	test_good();
	test_bad();
	free(mem);
	return check_done("mptable");
}
