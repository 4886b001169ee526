/* SPDX-License-Identifier: BSD-2-Clause */
/* Reads the Linux boot_params "zero page" (64-bit boot protocol, Firecracker) into a struct bootinfo. */
#include <mote/errno.h>

#include "kernel/bootinfo.h"

/*
 * Offsets into struct boot_params from Linux Documentation/arch/x86/
 * zero-page.rst, and into its embedded setup_header (at 0x1f1) from
 * boot.rst. The header fields are given at their zero-page offsets.
 */
#define BP_SIZE			4096
#define BP_ACPI_RSDP_ADDR	0x070	/* u64 */
#define BP_EXT_RAMDISK_IMAGE	0x0c0	/* u32, ramdisk_image bits 63:32 */
#define BP_EXT_RAMDISK_SIZE	0x0c4	/* u32, ramdisk_size bits 63:32 */
#define BP_EXT_CMD_LINE_PTR	0x0c8	/* u32, cmd_line_ptr bits 63:32 */
#define BP_E820_ENTRIES		0x1e8	/* u8 */
#define BP_HDR_HEADER		0x202	/* u32, "HdrS" */
#define BP_HDR_RAMDISK_IMAGE	0x218	/* u32 */
#define BP_HDR_RAMDISK_SIZE	0x21c	/* u32 */
#define BP_HDR_CMD_LINE_PTR	0x228	/* u32 */
#define BP_E820_TABLE		0x2d0	/* struct boot_e820_entry[128] */

#define HDR_MAGIC		0x53726448u	/* "HdrS" read as a little-endian u32 */
#define E820_MAX_ENTRIES	128

/* struct boot_e820_entry, packed: addr u64, size u64, type u32. */
#define E820_ADDR		0
#define E820_SIZE		8
#define E820_TYPE		16
#define E820_ENTRY_SIZE		20

int bootinfo_from_zeropage(struct bootinfo *bi, bootinfo_phys_fn phys, void *ctx,
			   paddr_t boot_params)
{
	const uint8_t *bp;
	unsigned int n;
	int err;

	bootinfo_init(bi, BOOT_LINUX64);

	bp = bootinfo_map(phys, ctx, boot_params, BP_SIZE);
	if (!bp)
		return bootinfo_fail(bi, "boot_params (zero page) is not readable memory");
	/* Without the signature the header fields are not known to be filled in. */
	if (bootinfo_get32(bp + BP_HDR_HEADER) != HDR_MAGIC)
		return bootinfo_fail(bi, "boot_params setup header has no \"HdrS\" signature");

	n = bp[BP_E820_ENTRIES];
	if (n > E820_MAX_ENTRIES)
		return bootinfo_fail(bi, "boot_params e820_entries is above 128");
	if (n == 0)
		return bootinfo_fail(bi, "boot_params has an empty e820 memory map");
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *e = bp + BP_E820_TABLE + i * E820_ENTRY_SIZE;

		err = bootinfo_add_mem(bi, bootinfo_get64(e + E820_ADDR),
				       bootinfo_get64(e + E820_SIZE),
				       bootinfo_get32(e + E820_TYPE));
		if (err)
			return err;
	}

	err = bootinfo_set_cmdline(bi, phys, ctx,
				   bootinfo_get32(bp + BP_HDR_CMD_LINE_PTR) |
				   (uint64_t)bootinfo_get32(bp + BP_EXT_CMD_LINE_PTR) << 32,
				   BOOTINFO_CMDLINE_MAX);
	if (err)
		return err;

	bi->initrd_base = bootinfo_get32(bp + BP_HDR_RAMDISK_IMAGE) |
			  (uint64_t)bootinfo_get32(bp + BP_EXT_RAMDISK_IMAGE) << 32;
	bi->initrd_size = bootinfo_get32(bp + BP_HDR_RAMDISK_SIZE) |
			  (uint64_t)bootinfo_get32(bp + BP_EXT_RAMDISK_SIZE) << 32;
	if (bi->initrd_size != 0 && bi->initrd_base == 0)
		return bootinfo_fail(bi, "boot_params gives a ramdisk size but no ramdisk address");

	bi->rsdp = bootinfo_get64(bp + BP_ACPI_RSDP_ADDR);
	return bootinfo_finish(bi);
}
