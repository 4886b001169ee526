/* SPDX-License-Identifier: BSD-2-Clause */
/* ACPI table reader: finds the tables through the boot accessor and distils what the kernel needs. */
#include <mote/errno.h>

#include "plat/pc/acpi.h"

/* RSDP, ACPI 6.5 §5.2.5.3. Revision 0 ends at byte 20, revision 2 has a length. */
#define RSDP_SIG		"RSD PTR "
#define RSDP_REVISION		15	/* u8 */
#define RSDP_RSDT		16	/* u32 */
#define RSDP_LENGTH		20	/* u32, revision >= 2 */
#define RSDP_XSDT		24	/* u64, revision >= 2 */
#define RSDP_V1_SIZE		20
#define RSDP_V2_SIZE		36

/* Where the BIOS keeps things, ACPI 6.5 §5.2.5.1. */
#define BDA_EBDA_SEGMENT	0x40e	/* u16: real-mode segment of the EBDA */
#define BIOS_ROM_BASE		0xe0000
#define BIOS_ROM_SIZE		0x20000

/* System description table header, ACPI 6.5 §5.2.6. */
#define SDT_SIG			0
#define SDT_LENGTH		4	/* u32, header included */
#define SDT_HDR_SIZE		36
#define ACPI_MAX_ROOT_ENTRIES	256	/* sanity bound; real machines list a few dozen */

/* MADT, ACPI 6.5 §5.2.12: header, then variable-length entries of (type, length). */
#define MADT_LAPIC_ADDR		36	/* u32 */
#define MADT_FLAGS		40	/* u32 */
#define MADT_ENTRIES		44
#define MADT_LAPIC		0	/* §5.2.12.2: uid u8 @2, apic id u8 @3, flags u32 @4 */
#define MADT_IOAPIC		1	/* §5.2.12.3: id u8 @2, address u32 @4, gsi base u32 @8 */
#define MADT_ISO		2	/* §5.2.12.5: bus u8 @2, source u8 @3, gsi u32 @4, flags u16 @8 */
#define MADT_LAPIC_OVERRIDE	5	/* §5.2.12.8: address u64 @4 */
#define MADT_X2APIC		9	/* §5.2.12.12: x2apic id u32 @4, flags u32 @8 */
#define MADT_CPU_ENABLED	(1u << 0)

/* FADT, ACPI 6.5 §5.2.9: byte offsets of the fields read here. */
#define FADT_DSDT		40	/* u32 */
#define FADT_SCI_INT		46	/* u16 */
#define FADT_PM1A_CNT_BLK	64	/* u32 */
#define FADT_PM1B_CNT_BLK	68	/* u32 */
#define FADT_IAPC_BOOT_ARCH	109	/* u16 */
#define FADT_FLAGS		112	/* u32 */
#define FADT_V1_SIZE		116	/* ACPI 1.0 ends here */
#define FADT_RESET_REG		116	/* GAS */
#define FADT_RESET_VALUE	128	/* u8 */
#define FADT_X_DSDT		140	/* u64 */
#define FADT_X_PM1A_CNT_BLK	172	/* GAS */
#define FADT_X_PM1B_CNT_BLK	184	/* GAS */
#define FADT_SLEEP_CONTROL_REG	244	/* GAS */
#define GAS_SIZE		12

/* MCFG, PCI Firmware Spec 3.2 §4.1.2: 8 reserved bytes, then 16-byte allocations. */
#define MCFG_ENTRIES		44
#define MCFG_ENTRY_SIZE		16

/* AML encodings, ACPI 6.5 §20.2. */
#define AML_ZERO		0x00
#define AML_ONE			0x01
#define AML_NAME		0x08
#define AML_BYTE_PREFIX		0x0a
#define AML_WORD_PREFIX		0x0b
#define AML_DWORD_PREFIX	0x0c
#define AML_PACKAGE		0x12
#define AML_ROOT_CHAR		'\\'

static uint8_t sum8(const uint8_t *p, uint64_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

static bool sig_eq(const uint8_t *p, const char *sig, size_t n)
{
	return __builtin_memcmp(p, sig, n) == 0;
}

static paddr_t rsdp_scan(bootinfo_phys_fn phys, void *ctx, paddr_t base, uint64_t len)
{
	const uint8_t *p = bootinfo_map(phys, ctx, base, len);

	if (!p)
		return 0;
	uint64_t sig;

	__builtin_memcpy(&sig, RSDP_SIG, 8);
	/* One 64-bit compare a step: this scans up to 128 KiB of BIOS area at boot. */
	for (uint64_t off = 0; off + RSDP_V1_SIZE <= len; off += 16)
		if (bootinfo_get64(p + off) == sig && sum8(p + off, RSDP_V1_SIZE) == 0)
			return base + off;
	return 0;
}

int acpi_find_rsdp(bootinfo_phys_fn phys, void *ctx, paddr_t hint, paddr_t *rsdp,
		   const char **err)
{
	const uint8_t *p;
	paddr_t found = 0;

	if (hint) {
		p = bootinfo_map(phys, ctx, hint, RSDP_V1_SIZE);
		if (!p) {
			*err = "ACPI RSDP address from the boot loader is not readable memory";
			return -EINVAL;
		}
		if (!sig_eq(p, RSDP_SIG, 8)) {
			*err = "ACPI RSDP address from the boot loader has no \"RSD PTR \" signature";
			return -EINVAL;
		}
		found = hint;
	} else {
		p = bootinfo_map(phys, ctx, BDA_EBDA_SEGMENT, 2);
		if (p && bootinfo_get16(p) != 0)
			found = rsdp_scan(phys, ctx, (paddr_t)bootinfo_get16(p) << 4, 1024);
		if (!found)
			found = rsdp_scan(phys, ctx, BIOS_ROM_BASE, BIOS_ROM_SIZE);
		if (!found) {
			*err = "no ACPI RSDP found";
			return -ENOENT;
		}
		p = bootinfo_map(phys, ctx, found, RSDP_V1_SIZE);
	}

	if (sum8(p, RSDP_V1_SIZE) != 0) {
		*err = "ACPI RSDP checksum mismatch";
		return -EINVAL;
	}
	if (p[RSDP_REVISION] >= 2) {
		const uint8_t *x = bootinfo_map(phys, ctx, found, RSDP_V2_SIZE);
		uint32_t len;

		if (!x) {
			*err = "ACPI RSDP (revision 2) runs past readable memory";
			return -EINVAL;
		}
		len = bootinfo_get32(x + RSDP_LENGTH);
		if (len < RSDP_V2_SIZE || len > 4096) {
			*err = "ACPI RSDP has an impossible length";
			return -EINVAL;
		}
		x = bootinfo_map(phys, ctx, found, len);
		if (!x) {
			*err = "ACPI RSDP (revision 2) runs past readable memory";
			return -EINVAL;
		}
		if (sum8(x, len) != 0) {
			*err = "ACPI RSDP extended checksum mismatch";
			return -EINVAL;
		}
	}
	*rsdp = found;
	return 0;
}

/*
 * Map a whole table after checking that its length covers the header and
 * that its bytes sum to zero. @sig, when given, must match.
 */
static const uint8_t *table_map(bootinfo_phys_fn phys, void *ctx, paddr_t addr,
				const char *sig, uint32_t *lenp, const char **err)
{
	const uint8_t *t = bootinfo_map(phys, ctx, addr, SDT_HDR_SIZE);
	uint32_t len;

	if (!t) {
		*err = "header is not readable memory";
		return NULL;
	}
	if (sig && !sig_eq(t + SDT_SIG, sig, 4)) {
		*err = "has the wrong signature";
		return NULL;
	}
	len = bootinfo_get32(t + SDT_LENGTH);
	if (len < SDT_HDR_SIZE) {
		*err = "length is shorter than the table header";
		return NULL;
	}
	t = bootinfo_map(phys, ctx, addr, len);
	if (!t) {
		*err = "length runs past readable memory";
		return NULL;
	}
	if (sum8(t, len) != 0) {
		*err = "checksum mismatch";
		return NULL;
	}
	*lenp = len;
	return t;
}

const uint8_t *acpi_table_map(bootinfo_phys_fn phys, void *ctx, paddr_t addr, const char *sig,
			      uint32_t *len, const char **err)
{
	return table_map(phys, ctx, addr, sig, len, err);
}

/* Error text for a table: "ACPI <what>: <problem>", kept in the caller's buffer. */
static const char *table_error(struct acpi_info *ai, const char *what, const char *problem)
{
	size_t pos = 0;
	const char *parts[3] = { "ACPI ", what, ": " };

	for (int i = 0; i < 4; i++) {
		const char *s = i < 3 ? parts[i] : problem;

		while (*s && pos + 1 < sizeof(ai->errbuf))
			ai->errbuf[pos++] = *s++;
	}
	ai->errbuf[pos] = '\0';
	return ai->errbuf;
}

int acpi_find_table(struct acpi_info *ai, bootinfo_phys_fn phys, void *ctx,
		    const char *sig, paddr_t *addr, uint32_t *len, const char **err)
{
	const char *root_sig = ai->root_is_xsdt ? "XSDT" : "RSDT";
	unsigned int esize = ai->root_is_xsdt ? 8 : 4;
	char name[5];
	const uint8_t *root;
	const char *why;
	uint32_t rlen, n;

	root = table_map(phys, ctx, ai->root, root_sig, &rlen, &why);
	if (!root) {
		*err = table_error(ai, root_sig, why);
		return -EINVAL;
	}
	if ((rlen - SDT_HDR_SIZE) % esize != 0) {
		*err = table_error(ai, root_sig, "length is not a whole number of entries");
		return -EINVAL;
	}
	n = (rlen - SDT_HDR_SIZE) / esize;
	if (n > ACPI_MAX_ROOT_ENTRIES) {
		*err = table_error(ai, root_sig, "lists more than 256 tables");
		return -EINVAL;
	}

	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = root + SDT_HDR_SIZE + i * esize;
		paddr_t ta = esize == 8 ? bootinfo_get64(e) : bootinfo_get32(e);
		const uint8_t *h = bootinfo_map(phys, ctx, ta, SDT_HDR_SIZE);

		if (!h) {
			*err = table_error(ai, root_sig, "lists a table outside readable memory");
			return -EINVAL;
		}
		if (!sig_eq(h + SDT_SIG, sig, 4))
			continue;
		if (!table_map(phys, ctx, ta, sig, len, &why)) {
			__builtin_memcpy(name, sig, 4);
			name[4] = '\0';
			*err = table_error(ai, name, why);
			return -EINVAL;
		}
		*addr = ta;
		return 0;
	}
	return -ENOENT;
}

static bool cpu_seen(const struct acpi_info *ai, uint32_t apic_id)
{
	unsigned int n = ai->ncpus < ACPI_MAX_CPUS ? ai->ncpus : ACPI_MAX_CPUS;

	for (unsigned int i = 0; i < n; i++)
		if (ai->cpu_apic_id[i] == apic_id)
			return true;
	return false;
}

static void cpu_add(struct acpi_info *ai, uint32_t apic_id)
{
	/* Firmware may describe one CPU both as local APIC and as x2APIC. */
	if (cpu_seen(ai, apic_id))
		return;
	if (ai->ncpus < ACPI_MAX_CPUS)
		ai->cpu_apic_id[ai->ncpus] = apic_id;
	ai->ncpus++;
}

static int madt_parse(struct acpi_info *ai, const uint8_t *t, uint32_t len, const char **err)
{
	uint32_t off = MADT_ENTRIES;

	if (len < MADT_ENTRIES) {
		*err = table_error(ai, "MADT", "too short for its fixed fields");
		return -EINVAL;
	}
	ai->has_madt = true;
	ai->lapic = bootinfo_get32(t + MADT_LAPIC_ADDR);
	ai->madt_flags = bootinfo_get32(t + MADT_FLAGS);

	while (off < len) {
		const uint8_t *e = t + off;
		uint8_t type, elen, need;

		if (len - off < 2) {
			*err = table_error(ai, "MADT", "entry header runs past the table");
			return -EINVAL;
		}
		type = e[0];
		elen = e[1];
		if (elen < 2) {
			*err = table_error(ai, "MADT", "entry has a length below 2");
			return -EINVAL;
		}
		if (elen > len - off) {
			*err = table_error(ai, "MADT", "entry runs past the table");
			return -EINVAL;
		}
		switch (type) {
		case MADT_LAPIC:		need = 8;	break;
		case MADT_IOAPIC:		need = 12;	break;
		case MADT_ISO:			need = 10;	break;
		case MADT_LAPIC_OVERRIDE:	need = 12;	break;
		case MADT_X2APIC:		need = 16;	break;
		default:			need = 2;	break;	/* skipped by length */
		}
		if (elen < need) {
			*err = table_error(ai, "MADT", "entry too short for its type");
			return -EINVAL;
		}

		switch (type) {
		case MADT_LAPIC:
			if ((bootinfo_get32(e + 4) & MADT_CPU_ENABLED) && e[3] != 0xff)
				cpu_add(ai, e[3]);
			break;
		case MADT_X2APIC:
			if (bootinfo_get32(e + 8) & MADT_CPU_ENABLED)
				cpu_add(ai, bootinfo_get32(e + 4));
			break;
		case MADT_IOAPIC:
			if (ai->nioapic == ACPI_MAX_IOAPIC) {
				*err = table_error(ai, "MADT", "lists more than 8 I/O APICs");
				return -EINVAL;
			}
			ai->ioapic[ai->nioapic].id = e[2];
			ai->ioapic[ai->nioapic].addr = bootinfo_get32(e + 4);
			ai->ioapic[ai->nioapic].gsi_base = bootinfo_get32(e + 8);
			ai->nioapic++;
			break;
		case MADT_ISO:
			if (e[2] != 0)	/* the bus is defined to be ISA (0) */
				break;
			if (ai->niso == ACPI_MAX_ISO) {
				*err = table_error(ai, "MADT", "lists more than 16 interrupt source overrides");
				return -EINVAL;
			}
			ai->iso[ai->niso].irq = e[3];
			ai->iso[ai->niso].gsi = bootinfo_get32(e + 4);
			ai->iso[ai->niso].flags = bootinfo_get16(e + 8);
			ai->niso++;
			break;
		case MADT_LAPIC_OVERRIDE:
			ai->lapic = bootinfo_get64(e + 4);
			break;
		}
		off += elen;
	}
	return 0;
}

static void gas_read(struct acpi_gas *g, const uint8_t *p)
{
	g->space = p[0];
	g->bit_width = p[1];
	g->bit_offset = p[2];
	g->access_size = p[3];
	g->addr = bootinfo_get64(p + 4);
}

/*
 * A PM1 control block: the 64-bit GAS wins when it names an I/O port, as the
 * spec asks; the 32-bit field is the fallback. Ports are 16 bits on x86.
 */
static int pm1_port(struct acpi_info *ai, const uint8_t *t, uint32_t len, uint32_t legacy_off,
		    uint32_t gas_off, uint16_t *port, const char **err)
{
	uint64_t a = bootinfo_get32(t + legacy_off);

	if (len >= gas_off + GAS_SIZE) {
		struct acpi_gas g;

		gas_read(&g, t + gas_off);
		if (g.space == ACPI_GAS_IO && g.addr != 0)
			a = g.addr;
	}
	if (a > 0xffff) {
		*err = table_error(ai, "FADT", "PM1 control block is not an I/O port");
		return -EINVAL;
	}
	*port = (uint16_t)a;
	return 0;
}

static int fadt_parse(struct acpi_info *ai, const uint8_t *t, uint32_t len, const char **err)
{
	int e;

	if (len < FADT_V1_SIZE) {
		*err = table_error(ai, "FADT", "shorter than an ACPI 1.0 FADT");
		return -EINVAL;
	}
	ai->has_fadt = true;
	ai->sci = bootinfo_get16(t + FADT_SCI_INT);
	ai->iapc_boot_arch = bootinfo_get16(t + FADT_IAPC_BOOT_ARCH);
	ai->fadt_flags = bootinfo_get32(t + FADT_FLAGS);
	e = pm1_port(ai, t, len, FADT_PM1A_CNT_BLK, FADT_X_PM1A_CNT_BLK, &ai->pm1a_cnt, err);
	if (!e)
		e = pm1_port(ai, t, len, FADT_PM1B_CNT_BLK, FADT_X_PM1B_CNT_BLK, &ai->pm1b_cnt, err);
	if (e)
		return e;
	if (len > FADT_RESET_VALUE) {
		gas_read(&ai->reset_reg, t + FADT_RESET_REG);
		ai->reset_value = t[FADT_RESET_VALUE];
	}
	if (len >= FADT_SLEEP_CONTROL_REG + GAS_SIZE)
		gas_read(&ai->sleep_ctl, t + FADT_SLEEP_CONTROL_REG);

	ai->dsdt = bootinfo_get32(t + FADT_DSDT);
	if (len >= FADT_X_DSDT + 8 && bootinfo_get64(t + FADT_X_DSDT) != 0)
		ai->dsdt = bootinfo_get64(t + FADT_X_DSDT);
	return 0;
}

/* One integer element of a package: ZeroOp, OneOp, a prefixed constant, or a bare byte. */
static bool aml_integer(const uint8_t *t, uint32_t end, uint32_t *pos, uint64_t *v)
{
	uint32_t p = *pos;

	if (p >= end)
		return false;
	switch (t[p]) {
	case AML_ZERO:
		*v = 0;
		*pos = p + 1;
		return true;
	case AML_ONE:
		*v = 1;
		*pos = p + 1;
		return true;
	case AML_BYTE_PREFIX:
		if (end - p < 2)
			return false;
		*v = t[p + 1];
		*pos = p + 2;
		return true;
	case AML_WORD_PREFIX:
		if (end - p < 3)
			return false;
		*v = bootinfo_get16(t + p + 1);
		*pos = p + 3;
		return true;
	case AML_DWORD_PREFIX:
		if (end - p < 5)
			return false;
		*v = bootinfo_get32(t + p + 1);
		*pos = p + 5;
		return true;
	default:
		/* Not valid AML, but some firmware writes small values bare. */
		if (t[p] > 7)
			return false;
		*v = t[p];
		*pos = p + 1;
		return true;
	}
}

/*
 * Find Name (_S5_, Package (n) { a, b, ... }) in AML without an interpreter:
 * NameOp, an optional root prefix, "_S5_", PackageOp, PkgLength (§20.2.4),
 * NumElements, then the elements. A candidate that does not decode is
 * skipped, since the byte pattern may also occur inside other data.
 */
static bool aml_find_s5(const uint8_t *t, uint32_t len, uint8_t *a, uint8_t *b)
{
	for (uint32_t i = SDT_HDR_SIZE; i + 6 < len; i++) {
		uint32_t p = i + 1, pkg, pkglen, nbytes, nelem;
		uint64_t va, vb;

		if (t[i] != AML_NAME)
			continue;
		if (t[p] == AML_ROOT_CHAR)
			p++;
		if (len - p < 6 || !sig_eq(t + p, "_S5_", 4) || t[p + 4] != AML_PACKAGE)
			continue;
		pkg = p + 5;
		nbytes = t[pkg] >> 6;
		if (nbytes == 0) {
			pkglen = t[pkg] & 0x3f;
		} else {
			if (len - pkg < nbytes + 1)
				continue;
			pkglen = t[pkg] & 0x0f;
			for (uint32_t k = 0; k < nbytes; k++)
				pkglen |= (uint32_t)t[pkg + 1 + k] << (4 + 8 * k);
		}
		/* PkgLength counts itself and everything up to the package's end. */
		if (pkglen < nbytes + 2 || pkglen > len - pkg)
			continue;
		uint32_t end = pkg + pkglen;

		p = pkg + 1 + nbytes;
		nelem = t[p++];
		if (nelem == 0 || !aml_integer(t, end, &p, &va))
			continue;
		if (nelem >= 2) {
			if (!aml_integer(t, end, &p, &vb))
				continue;
		} else {
			/* One integer: SLP_TYPa in bits 7:0, SLP_TYPb in bits 15:8. */
			vb = (va >> 8) & 0xff;
			va &= 0xff;
		}
		if (va > 7 || vb > 7)	/* SLP_TYP is a 3-bit field */
			continue;
		*a = (uint8_t)va;
		*b = (uint8_t)vb;
		return true;
	}
	return false;
}

int acpi_parse(struct acpi_info *out, bootinfo_phys_fn phys, void *ctx, paddr_t rsdp_or_0,
	       const char **err)
{
	const char *dummy;
	const char *why;
	const uint8_t *p, *t;
	paddr_t addr;
	uint32_t len;
	int e;

	if (!err)
		err = &dummy;
	__builtin_memset(out, 0, sizeof(*out));

	e = acpi_find_rsdp(phys, ctx, rsdp_or_0, &out->rsdp, err);
	if (e)
		return e;
	p = bootinfo_map(phys, ctx, out->rsdp, RSDP_V1_SIZE);
	if (p && p[RSDP_REVISION] >= 2) {
		p = bootinfo_map(phys, ctx, out->rsdp, RSDP_V2_SIZE);
		if (p) {
			out->root = bootinfo_get64(p + RSDP_XSDT);
			out->root_is_xsdt = out->root != 0;
		}
	}
	if (!p) {
		*err = "ACPI RSDP became unreadable";	/* an accessor that changed its mind */
		return -EINVAL;
	}
	if (!out->root)
		out->root = bootinfo_get32(p + RSDP_RSDT);
	if (!out->root) {
		*err = "ACPI RSDP points to neither an RSDT nor an XSDT";
		return -EINVAL;
	}

	e = acpi_find_table(out, phys, ctx, "APIC", &addr, &len, err);
	if (e == -EINVAL)
		return e;
	if (e == 0) {
		t = bootinfo_map(phys, ctx, addr, len);
		e = madt_parse(out, t, len, err);
		if (e)
			return e;
	}

	e = acpi_find_table(out, phys, ctx, "FACP", &addr, &len, err);
	if (e == -EINVAL)
		return e;
	if (e == 0) {
		t = bootinfo_map(phys, ctx, addr, len);
		e = fadt_parse(out, t, len, err);
		if (e)
			return e;
		if (out->dsdt) {
			t = table_map(phys, ctx, out->dsdt, "DSDT", &len, &why);
			if (!t) {
				*err = table_error(out, "DSDT", why);
				return -EINVAL;
			}
			out->has_s5 = aml_find_s5(t, len, &out->slp_typa, &out->slp_typb);
		}
	}

	e = acpi_find_table(out, phys, ctx, "MCFG", &addr, &len, err);
	if (e == -EINVAL)
		return e;
	if (e == 0) {
		t = bootinfo_map(phys, ctx, addr, len);
		for (uint64_t off = MCFG_ENTRIES; off + MCFG_ENTRY_SIZE <= len; off += MCFG_ENTRY_SIZE) {
			if (bootinfo_get16(t + off + 8) != 0)	/* PCI segment group */
				continue;
			out->has_mcfg = true;
			out->ecam_base = bootinfo_get64(t + off);
			out->ecam_bus_start = t[off + 10];
			out->ecam_bus_end = t[off + 11];
			break;
		}
	}
	return 0;
}
