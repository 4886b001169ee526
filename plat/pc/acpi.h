/* SPDX-License-Identifier: BSD-2-Clause */
/* ACPI table reader: RSDP, RSDT/XSDT, MADT, FADT, the DSDT's _S5_ package and MCFG. */
#ifndef PLAT_PC_ACPI_H
#define PLAT_PC_ACPI_H

#include <mote/bootinfo.h>
#include <mote/types.h>

#define ACPI_MAX_IOAPIC		8
#define ACPI_MAX_ISO		16
#define ACPI_MAX_CPUS		64	/* APIC IDs kept; ncpus counts them all */

/*
 * Polarity and trigger of an interrupt: the MPS INTI flags of ACPI 6.5
 * §5.2.12.5, which reuse the encoding of the I/O interrupt flag
 * in Intel MultiProcessor Spec 1.4 §4.3.4, so MP tables share them.
 */
#define INTI_POLARITY_MASK	0x3
#define INTI_POLARITY_BUS	0x0	/* conforms to the bus: ISA is active high */
#define INTI_POLARITY_HIGH	0x1
#define INTI_POLARITY_LOW	0x3
#define INTI_TRIGGER_MASK	0xc
#define INTI_TRIGGER_BUS	0x0	/* conforms to the bus: ISA is edge */
#define INTI_TRIGGER_EDGE	0x4
#define INTI_TRIGGER_LEVEL	0xc

/* ACPI 6.5 §4.8.3.2.1, PM1 control register: where the S5 type goes. */
#define ACPI_PM1_SLP_TYP_SHIFT	10
#define ACPI_PM1_SLP_EN		(1u << 13)

/* ACPI 6.5 §5.2.9, FADT fixed feature flags we act on. */
#define ACPI_FADT_RESET_REG_SUP	(1u << 10)
#define ACPI_FADT_HW_REDUCED	(1u << 20)

/* ACPI 6.5 §5.2.9.3, IA-PC boot architecture flags. */
#define ACPI_IAPC_8042		(1u << 1)
#define ACPI_IAPC_NO_VGA	(1u << 2)
#define ACPI_IAPC_NO_CMOS_RTC	(1u << 5)

/* ACPI 6.5 §5.2.12, Multiple APIC flags: the one saying 8259 PICs are present. */
#define ACPI_MADT_PCAT_COMPAT	(1u << 0)

/* Generic Address Structure, ACPI 6.5 §5.2.3.2. */
#define ACPI_GAS_MEMORY		0
#define ACPI_GAS_IO		1
struct acpi_gas {
	uint8_t space;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t addr;
};

struct pc_ioapic {
	uint8_t id;
	paddr_t addr;
	uint32_t gsi_base;		/* first GSI this I/O APIC's pin 0 delivers */
};

/* An ISA IRQ that is not wired to the GSI of the same number, or not edge/high. */
struct pc_irq_override {
	uint8_t irq;
	uint32_t gsi;
	uint16_t flags;			/* INTI_* */
};

struct acpi_info {
	paddr_t rsdp;
	paddr_t root;			/* the XSDT, or the RSDT when there is no XSDT */
	bool root_is_xsdt;

	/* MADT ("APIC") */
	bool has_madt;
	paddr_t lapic;
	uint32_t madt_flags;		/* ACPI_MADT_* */
	struct pc_ioapic ioapic[ACPI_MAX_IOAPIC];
	unsigned int nioapic;
	struct pc_irq_override iso[ACPI_MAX_ISO];	/* ISA IRQs missing here map 1:1 */
	unsigned int niso;
	unsigned int ncpus;		/* enabled processors */
	uint32_t cpu_apic_id[ACPI_MAX_CPUS];

	/* FADT ("FACP") */
	bool has_fadt;
	uint32_t fadt_flags;		/* ACPI_FADT_* */
	uint16_t iapc_boot_arch;	/* ACPI_IAPC_* */
	uint16_t sci;			/* GSI of the SCI */
	uint16_t pm1a_cnt, pm1b_cnt;	/* I/O ports, 0 when absent */
	struct acpi_gas reset_reg;	/* valid with ACPI_FADT_RESET_REG_SUP */
	uint8_t reset_value;
	struct acpi_gas sleep_ctl;	/* hardware-reduced ACPI's sleep control register */
	paddr_t dsdt;

	/* DSDT: Name (_S5, Package () { SLP_TYPa, SLP_TYPb, ... }) */
	bool has_s5;
	uint8_t slp_typa, slp_typb;

	/* MCFG: PCI Express ECAM for segment 0 */
	bool has_mcfg;
	paddr_t ecam_base;
	uint8_t ecam_bus_start, ecam_bus_end;

	char errbuf[80];		/* errors that name a table point here */
};

/*
 * Find and validate the RSDP: at @hint when nonzero (from the boot protocol),
 * else in the first KiB of the EBDA and in 0xE0000-0xFFFFF (ACPI 6.5 §5.2.5.1).
 * Returns 0, -ENOENT when there is none, -EINVAL when @hint is not a valid RSDP.
 */
int acpi_find_rsdp(bootinfo_phys_fn phys, void *ctx, paddr_t hint, paddr_t *rsdp,
		   const char **err);

/*
 * Locate the table with signature @sig (4 characters) listed in the root
 * table found by acpi_parse(), and check its length and checksum. Returns 0
 * with *addr and *len set, -ENOENT when there is none, -EINVAL on a corrupt
 * root or table (*err, which may point into ai->errbuf, says which).
 */
int acpi_find_table(struct acpi_info *ai, bootinfo_phys_fn phys, void *ctx,
		    const char *sig, paddr_t *addr, uint32_t *len, const char **err);

/*
 * Maps the table at addr after checking its header, length and checksum,
 * and its signature when sig is not NULL: the table, or NULL with *err.
 */
const uint8_t *acpi_table_map(bootinfo_phys_fn phys, void *ctx, paddr_t addr, const char *sig,
			      uint32_t *len, const char **err);

/*
 * Read everything above. Missing optional tables clear their has_* flag;
 * corrupt tables are errors (-EINVAL, or -ENOENT with no RSDP at all) and
 * *err names what was wrong.
 */
int acpi_parse(struct acpi_info *out, bootinfo_phys_fn phys, void *ctx, paddr_t rsdp_or_0,
	       const char **err);

#endif
