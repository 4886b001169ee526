/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for the ACPI table reader, on tables built in a fake 1 MiB physical memory. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mote/errno.h>

#include "plat/pc/acpi.h"
#include "tests/unit/check.h"
#include "tests/unit/fake_phys.h"

/* Table header with its checksum made right for @len bytes. */
static void sdt_seal(uint64_t a, const char *sig, uint32_t len)
{
	memcpy(mem + a, sig, 4);
	put32(a + 4, len);
	put8(a + 8, 2);
	memcpy(mem + a + 10, "MOTE  ", 6);
	put8(a + 9, 0);
	put8(a + 9, (uint8_t)-sum(a, len));
}

#define RSDP	0xe0000
#define XSDT	0x10000
#define RSDT	0x10100
#define MADT	0x11000
#define FADT	0x12000
#define DSDT	0x13000
#define MCFG	0x14000
#define EBDA	0x9fc00

static uint32_t madt_len, dsdt_len;

static void rsdp_build(uint64_t a, int rev, uint64_t rsdt, uint64_t xsdt)
{
	memcpy(mem + a, "RSD PTR ", 8);
	memcpy(mem + a + 9, "MOTE  ", 6);
	put8(a + 15, (uint8_t)rev);
	put32(a + 16, (uint32_t)rsdt);
	put8(a + 8, 0);
	put8(a + 8, (uint8_t)-sum(a, 20));
	if (rev >= 2) {
		put32(a + 20, 36);
		put64(a + 24, xsdt);
		put8(a + 32, 0);
		put8(a + 32, (uint8_t)-sum(a, 36));
	}
}

static void roots_build(const uint64_t *tables, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		put64(XSDT + 36 + 8 * i, tables[i]);
		put32(RSDT + 36 + 4 * i, (uint32_t)tables[i]);
	}
	sdt_seal(XSDT, "XSDT", 36 + 8 * n);
	sdt_seal(RSDT, "RSDT", 36 + 4 * n);
}

static uint64_t madt_entry(uint64_t at, uint8_t type, uint8_t len)
{
	put8(at, type);
	put8(at + 1, len);
	return at + len;
}

static void madt_build(void)
{
	uint64_t e = MADT + 44;

	put32(MADT + 36, 0xfee00000);
	put32(MADT + 40, 1);			/* PCAT_COMPAT */
	/* local APICs: 0 and 1 enabled, 2 disabled */
	for (int i = 0; i < 3; i++) {
		put8(e + 2, (uint8_t)i);
		put8(e + 3, (uint8_t)i);
		put32(e + 4, i < 2 ? 1 : 0);
		e = madt_entry(e, 0, 8);
	}
	/* x2APIC 300 enabled, and a second description of APIC ID 1 */
	put32(e + 4, 300); put32(e + 8, 1);	e = madt_entry(e, 9, 16);
	put32(e + 4, 1); put32(e + 8, 1);	e = madt_entry(e, 9, 16);
	/* I/O APIC */
	put8(e + 2, 0); put32(e + 4, 0xfec00000); put32(e + 8, 0);
	e = madt_entry(e, 1, 12);
	/* overrides: IRQ0 → GSI2; IRQ9 level, active high */
	put8(e + 2, 0); put8(e + 3, 0); put32(e + 4, 2); put16(e + 8, 0);
	e = madt_entry(e, 2, 10);
	put8(e + 2, 0); put8(e + 3, 9); put32(e + 4, 9); put16(e + 8, 0xd);
	e = madt_entry(e, 2, 10);
	/* an entry type this reader does not know: skipped by its length */
	e = madt_entry(e, 0x7f, 6);
	/* local APIC NMI */
	put8(e + 2, 0xff); put16(e + 3, 5); put8(e + 5, 1);
	e = madt_entry(e, 4, 6);
	madt_len = (uint32_t)(e - MADT);
	sdt_seal(MADT, "APIC", madt_len);
}

static void fadt_build(uint32_t len)
{
	put32(FADT + 40, 0xdead0);		/* 32-bit DSDT: X_DSDT must win */
	put16(FADT + 46, 9);
	put32(FADT + 64, 0x600);
	put32(FADT + 68, 0);
	put16(FADT + 109, 1u << 1);
	put32(FADT + 112, 1u << 10);
	/* reset register: I/O port 0xcf9, value 6 */
	put8(FADT + 116, 1); put8(FADT + 117, 8); put64(FADT + 120, 0xcf9);
	put8(FADT + 128, 6);
	put64(FADT + 140, DSDT);
	/* X_PM1a_CNT_BLK: I/O 0x604 */
	put8(FADT + 172, 1); put8(FADT + 173, 16); put64(FADT + 176, 0x604);
	sdt_seal(FADT, "FACP", len);
}

/* Some AML, then Name (\_S5, Package (4) { ... }) with the given element bytes. */
static void dsdt_build(const uint8_t *elems, size_t n, uint8_t nelem, bool root, bool s5)
{
	static const uint8_t prologue[] = {
		0x10, 0x0a, '\\', '_', 'S', 'B', '_', 0x08, 'X', '_', 'S', '5', 0x0a, 0x01,
		0x08, '_', 'S', '5', '_', 0x0a, 0x05,	/* _S5_ that is not a package */
	};
	uint64_t p = DSDT + 36;

	memcpy(mem + p, prologue, sizeof(prologue));
	p += sizeof(prologue);
	if (s5) {
		put8(p++, 0x08);
		if (root)
			put8(p++, '\\');
		memcpy(mem + p, "_S5_", 4);
		p += 4;
		put8(p++, 0x12);
		put8(p++, (uint8_t)(n + 2));
		put8(p++, nelem);
		memcpy(mem + p, elems, n);
		p += n;
	}
	put8(p++, 0xa3);			/* NoopOp, trailing */
	dsdt_len = (uint32_t)(p - DSDT);
	sdt_seal(DSDT, "DSDT", dsdt_len);
}

static void mcfg_build(void)
{
	put64(MCFG + 44, 0xb0000000);
	put16(MCFG + 52, 0);
	put8(MCFG + 54, 0);
	put8(MCFG + 55, 0xff);
	sdt_seal(MCFG, "MCFG", 60);
}

static void world(void)
{
	static const uint8_t elems[] = { 0x0a, 0x05, 0x0a, 0x06, 0x00, 0x00 };
	const uint64_t t[] = { FADT, MADT, MCFG };

	memset(mem, 0, MEM_SIZE);
	put16(0x40e, EBDA >> 4);
	rsdp_build(RSDP, 2, RSDT, XSDT);
	roots_build(t, 3);
	madt_build();
	fadt_build(276);
	dsdt_build(elems, sizeof(elems), 4, true, true);
	mcfg_build();
}

static struct acpi_info ai;
static const char *err;

static void test_good(void)
{
	world();
	err = NULL;
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), 0);
	CHECK(err == NULL);
	CHECK_EQ(ai.rsdp, RSDP);
	CHECK_EQ(ai.root, XSDT);
	CHECK(ai.root_is_xsdt);
	CHECK(ai.has_madt);
	CHECK_EQ(ai.lapic, 0xfee00000);
	CHECK_EQ(ai.madt_flags, ACPI_MADT_PCAT_COMPAT);
	CHECK_EQ(ai.ncpus, 3);
	CHECK_EQ(ai.cpu_apic_id[0], 0);
	CHECK_EQ(ai.cpu_apic_id[1], 1);
	CHECK_EQ(ai.cpu_apic_id[2], 300);
	CHECK_EQ(ai.nioapic, 1);
	CHECK_EQ(ai.ioapic[0].addr, 0xfec00000);
	CHECK_EQ(ai.ioapic[0].gsi_base, 0);
	CHECK_EQ(ai.niso, 2);
	CHECK_EQ(ai.iso[0].irq, 0);
	CHECK_EQ(ai.iso[0].gsi, 2);
	CHECK_EQ(ai.iso[1].irq, 9);
	CHECK_EQ(ai.iso[1].flags & INTI_TRIGGER_MASK, INTI_TRIGGER_LEVEL);
	CHECK_EQ(ai.iso[1].flags & INTI_POLARITY_MASK, INTI_POLARITY_HIGH);
	CHECK(ai.has_fadt);
	CHECK_EQ(ai.sci, 9);
	CHECK_EQ(ai.pm1a_cnt, 0x604);
	CHECK_EQ(ai.pm1b_cnt, 0);
	CHECK_EQ(ai.iapc_boot_arch, ACPI_IAPC_8042);
	CHECK(ai.fadt_flags & ACPI_FADT_RESET_REG_SUP);
	CHECK_EQ(ai.reset_reg.space, ACPI_GAS_IO);
	CHECK_EQ(ai.reset_reg.addr, 0xcf9);
	CHECK_EQ(ai.reset_value, 6);
	CHECK_EQ(ai.dsdt, DSDT);
	CHECK(ai.has_s5);
	CHECK_EQ(ai.slp_typa, 5);
	CHECK_EQ(ai.slp_typb, 6);
	CHECK(ai.has_mcfg);
	CHECK_EQ(ai.ecam_base, 0xb0000000);
	CHECK_EQ(ai.ecam_bus_end, 0xff);

	/* acpi_find_table on its own */
	paddr_t a;
	uint32_t l;
	CHECK_EQ(acpi_find_table(&ai, fake_phys, NULL, "APIC", &a, &l, &err), 0);
	CHECK_EQ(a, MADT);
	CHECK_EQ(l, madt_len);
	CHECK_EQ(acpi_find_table(&ai, fake_phys, NULL, "HPET", &a, &l, &err), -ENOENT);

	/* The given address is used, and then nothing is scanned. */
	world();
	memset(mem + RSDP, 0, 36);
	rsdp_build(0x50000, 2, RSDT, XSDT);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0x50000, &err), 0);
	CHECK_EQ(ai.rsdp, 0x50000);

	/* Found in the EBDA. */
	world();
	memset(mem + RSDP, 0, 36);
	rsdp_build(EBDA + 0x40, 2, RSDT, XSDT);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), 0);
	CHECK_EQ(ai.rsdp, EBDA + 0x40);

	/* Revision 0: the RSDT. */
	world();
	memset(mem + RSDP, 0, 36);
	rsdp_build(RSDP + 0x100, 0, RSDT, 0);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), 0);
	CHECK(!ai.root_is_xsdt);
	CHECK_EQ(ai.root, RSDT);
	CHECK_EQ(ai.ncpus, 3);
	CHECK(ai.has_s5);

	/* An ACPI 1.0 FADT: 32-bit fields only. */
	world();
	fadt_build(116);
	put32(FADT + 40, DSDT);
	sdt_seal(FADT, "FACP", 116);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), 0);
	CHECK_EQ(ai.pm1a_cnt, 0x600);
	CHECK_EQ(ai.dsdt, DSDT);
	CHECK(ai.has_s5);

	/* No MADT, FADT or MCFG at all. */
	world();
	roots_build(NULL, 0);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), 0);
	CHECK(!ai.has_madt);
	CHECK(!ai.has_fadt);
	CHECK(!ai.has_mcfg);
	CHECK(!ai.has_s5);
}

static void test_s5_forms(void)
{
	/* QEMU's form: Package (4) { Zero, Zero, Zero, Zero }, no root prefix */
	static const uint8_t zeros[] = { 0x00, 0x00, 0x00, 0x00 };
	world();
	dsdt_build(zeros, sizeof(zeros), 4, false, true);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), 0);
	CHECK(ai.has_s5);
	CHECK_EQ(ai.slp_typa, 0);
	CHECK_EQ(ai.slp_typb, 0);

	static const uint8_t ones[] = { 0x01, 0x0a, 0x07 };
	world();
	dsdt_build(ones, sizeof(ones), 2, true, true);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), 0);
	CHECK(ai.has_s5);
	CHECK_EQ(ai.slp_typa, 1);
	CHECK_EQ(ai.slp_typb, 7);

	static const uint8_t bare[] = { 0x05, 0x05 };
	world();
	dsdt_build(bare, sizeof(bare), 2, true, true);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), 0);
	CHECK(ai.has_s5);
	CHECK_EQ(ai.slp_typa, 5);
	CHECK_EQ(ai.slp_typb, 5);

	/* one WordConst holding both */
	static const uint8_t word[] = { 0x0b, 0x05, 0x03 };
	world();
	dsdt_build(word, sizeof(word), 1, true, true);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), 0);
	CHECK(ai.has_s5);
	CHECK_EQ(ai.slp_typa, 5);
	CHECK_EQ(ai.slp_typb, 3);

	/* a value that does not fit SLP_TYP */
	static const uint8_t big[] = { 0x0a, 0x09, 0x00 };
	world();
	dsdt_build(big, sizeof(big), 2, true, true);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), 0);
	CHECK(!ai.has_s5);

	/* no _S5_ */
	world();
	dsdt_build(NULL, 0, 0, true, false);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), 0);
	CHECK(ai.has_fadt);
	CHECK(!ai.has_s5);

	/* package cut off by the end of the table */
	static const uint8_t elems[] = { 0x0a, 0x05, 0x0a, 0x05 };
	world();
	dsdt_build(elems, sizeof(elems), 2, true, true);
	dsdt_len -= 3;			/* drop NoopOp and the last element */
	sdt_seal(DSDT, "DSDT", dsdt_len);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), 0);
	CHECK(!ai.has_s5);

	/* two-byte PkgLength */
	world();
	{
		uint64_t p = DSDT + 36;
		static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x47, 0x00, 0x04, 0x0a, 0x03, 0x0a, 0x04 };

		memcpy(mem + p, aml, sizeof(aml));
		/* PkgLength 7 in two bytes: lead 0x47 (one more byte, low nibble 7), then 0 */
		sdt_seal(DSDT, "DSDT", 36 + sizeof(aml));
	}
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), 0);
	CHECK(ai.has_s5);
	CHECK_EQ(ai.slp_typa, 3);
	CHECK_EQ(ai.slp_typb, 4);
}

static void test_bad(void)
{
	/* No RSDP anywhere. */
	world();
	memset(mem + RSDP, 0, 36);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -ENOENT);
	CHECK_STR(err, "no ACPI RSDP found");

	/* A scanned candidate with a bad checksum is not an RSDP. */
	world();
	mem[RSDP + 9] ^= 1;
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -ENOENT);

	/* The given RSDP is checked. */
	world();
	mem[RSDP + 9] ^= 1;
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, RSDP, &err), -EINVAL);
	CHECK_STR(err, "ACPI RSDP checksum mismatch");
	world();
	mem[RSDP + 33] ^= 1;		/* extended checksum only */
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, RSDP, &err), -EINVAL);
	CHECK_STR(err, "ACPI RSDP extended checksum mismatch");
	world();
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, RSDP + 16, &err), -EINVAL);
	CHECK_STR(err, "ACPI RSDP address from the boot loader has no \"RSD PTR \" signature");
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0x7fff0000, &err), -EINVAL);
	CHECK_STR(err, "ACPI RSDP address from the boot loader is not readable memory");
	world();
	put32(RSDP + 20, 0x7fffffff);	/* absurd RSDP length */
	put8(RSDP + 8, 0);
	put8(RSDP + 8, (uint8_t)-sum(RSDP, 20));
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, RSDP, &err), -EINVAL);
	CHECK_STR(err, "ACPI RSDP has an impossible length");

	/* Corrupt MADT checksum. */
	world();
	mem[MADT + 50] ^= 0x40;
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -EINVAL);
	CHECK_STR(err, "ACPI APIC: checksum mismatch");

	/* Corrupt XSDT checksum. */
	world();
	mem[XSDT + 40] ^= 1;
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -EINVAL);
	CHECK_STR(err, "ACPI XSDT: checksum mismatch");

	/* XSDT length past the end of memory. */
	world();
	put32(XSDT + 4, 0xfffff000);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -EINVAL);
	CHECK_STR(err, "ACPI XSDT: length runs past readable memory");

	/* MADT length past the end of memory. */
	world();
	put32(MADT + 4, MEM_SIZE);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -EINVAL);
	CHECK_STR(err, "ACPI APIC: length runs past readable memory");

	/* Table count overflow: a well-formed XSDT listing 300 tables. */
	world();
	for (unsigned int i = 0; i < 300; i++)
		put64(XSDT + 36 + 8 * i, MADT);
	sdt_seal(XSDT, "XSDT", 36 + 8 * 300);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -EINVAL);
	CHECK_STR(err, "ACPI XSDT: lists more than 256 tables");

	/* XSDT with a ragged length. */
	world();
	sdt_seal(XSDT, "XSDT", 36 + 8 * 3 + 4);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -EINVAL);
	CHECK_STR(err, "ACPI XSDT: length is not a whole number of entries");

	/* Length shorter than a header. */
	world();
	put32(XSDT + 4, 20);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -EINVAL);
	CHECK_STR(err, "ACPI XSDT: length is shorter than the table header");

	/* XSDT entry pointing outside memory. */
	world();
	put64(XSDT + 36, 0x100000000ull);
	sdt_seal(XSDT, "XSDT", 36 + 8 * 3);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -EINVAL);
	CHECK_STR(err, "ACPI XSDT: lists a table outside readable memory");

	/* Root signature wrong. */
	world();
	memcpy(mem + XSDT, "XSDX", 4);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -EINVAL);
	CHECK_STR(err, "ACPI XSDT: has the wrong signature");

	/* MADT entry with length 0 would loop forever. */
	world();
	put8(MADT + 44 + 1, 0);
	sdt_seal(MADT, "APIC", madt_len);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -EINVAL);
	CHECK_STR(err, "ACPI MADT: entry has a length below 2");

	/* MADT entry running past the table. */
	world();
	put8(MADT + 44 + 1, 250);
	sdt_seal(MADT, "APIC", madt_len);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -EINVAL);
	CHECK_STR(err, "ACPI MADT: entry runs past the table");

	/* I/O APIC entry too short. */
	world();
	{
		uint64_t e = MADT + 44;

		put32(e + 4, 1);
		put8(e + 0, 1);		/* make the first LAPIC entry an 8-byte I/O APIC */
		sdt_seal(MADT, "APIC", madt_len);
	}
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -EINVAL);
	CHECK_STR(err, "ACPI MADT: entry too short for its type");

	/* Nine I/O APICs. */
	world();
	{
		uint64_t e = MADT + 44;

		for (int i = 0; i < 9; i++) {
			put8(e + 2, (uint8_t)i);
			put32(e + 4, 0xfec00000 + 0x1000 * i);
			put32(e + 8, 24 * i);
			e = madt_entry(e, 1, 12);
		}
		sdt_seal(MADT, "APIC", (uint32_t)(e - MADT));
	}
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -EINVAL);
	CHECK_STR(err, "ACPI MADT: lists more than 8 I/O APICs");

	/* MADT shorter than its fixed fields. */
	world();
	sdt_seal(MADT, "APIC", 40);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -EINVAL);
	CHECK_STR(err, "ACPI MADT: too short for its fixed fields");

	/* FADT too short. */
	world();
	sdt_seal(FADT, "FACP", 100);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -EINVAL);
	CHECK_STR(err, "ACPI FADT: shorter than an ACPI 1.0 FADT");

	/* PM1a control block that is no I/O port. */
	world();
	put64(FADT + 176, 0x12345);
	sdt_seal(FADT, "FACP", 276);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -EINVAL);
	CHECK_STR(err, "ACPI FADT: PM1 control block is not an I/O port");

	/* Corrupt DSDT. */
	world();
	mem[DSDT + 40] ^= 0x10;
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -EINVAL);
	CHECK_STR(err, "ACPI DSDT: checksum mismatch");

	/* DSDT pointer outside memory. */
	world();
	put64(FADT + 140, 0x80000000);
	sdt_seal(FADT, "FACP", 276);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -EINVAL);
	CHECK_STR(err, "ACPI DSDT: header is not readable memory");

	/* RSDP with neither root. */
	world();
	rsdp_build(RSDP, 2, 0, 0);
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, &err), -EINVAL);
	CHECK_STR(err, "ACPI RSDP points to neither an RSDT nor an XSDT");

	/* NULL err pointer is tolerated. */
	world();
	mem[MADT + 50] ^= 0x40;
	CHECK_EQ(acpi_parse(&ai, fake_phys, NULL, 0, NULL), -EINVAL);
}

int main(void)
{
	mem = calloc(1, MEM_SIZE);
	if (!mem)
		return 2;
	test_good();
	test_s5_forms();
	test_bad();
	free(mem);
	return check_done("acpi");
}
