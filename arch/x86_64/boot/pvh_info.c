/* SPDX-License-Identifier: BSD-2-Clause */
/* Reads the Xen PVH start_info (QEMU, Xen, Firecracker, Cloud Hypervisor) into a struct bootinfo. */
#include <mote/errno.h>

#include "kernel/bootinfo.h"

/*
 * Layouts from Xen public/arch-x86/hvm/start_info.h. All fields are
 * little-endian; 0 in an address field means "not present".
 */
#define PVH_MAGIC		0x336ec578u	/* "xEn3" with the 0x80 bit of 'E' set */

/* struct hvm_start_info */
#define SI_MAGIC		0	/* u32 */
#define SI_VERSION		4	/* u32 */
#define SI_NR_MODULES		12	/* u32 */
#define SI_MODLIST_PADDR	16	/* u64 */
#define SI_CMDLINE_PADDR	24	/* u64 */
#define SI_RSDP_PADDR		32	/* u64 */
#define SI_MEMMAP_PADDR		40	/* u64, version >= 1 */
#define SI_MEMMAP_ENTRIES	48	/* u32, version >= 1 */
#define SI_SIZE_V1		56

/* struct hvm_modlist_entry */
#define MOD_PADDR		0	/* u64 */
#define MOD_SIZE		8	/* u64 */
#define MOD_ENTRY_SIZE		32

/* struct hvm_memmap_table_entry; type uses the e820 numbering */
#define MM_ADDR			0	/* u64 */
#define MM_SIZE			8	/* u64 */
#define MM_TYPE			16	/* u32 */
#define MM_ENTRY_SIZE		24

/* Far above any real VMM's map; stops a garbage count from costing a long walk. */
#define PVH_MAX_MEMMAP		1024

int bootinfo_from_pvh(struct bootinfo *bi, bootinfo_phys_fn phys, void *ctx,
		      paddr_t start_info)
{
	const uint8_t *si, *mm;
	uint32_t nmm, nmod;
	int err;

	bootinfo_init(bi, BOOT_PVH);

	si = bootinfo_map(phys, ctx, start_info, 8);
	if (!si)
		return bootinfo_fail(bi, "PVH start_info is not readable memory");
	if (bootinfo_get32(si + SI_MAGIC) != PVH_MAGIC)
		return bootinfo_fail(bi, "PVH start_info has a bad magic (expected 0x336ec578)");
	if (bootinfo_get32(si + SI_VERSION) < 1)
		return bootinfo_fail(bi, "PVH start_info has no memory map (version 0)");
	si = bootinfo_map(phys, ctx, start_info, SI_SIZE_V1);
	if (!si)
		return bootinfo_fail(bi, "PVH start_info is truncated by the end of readable memory");

	nmm = bootinfo_get32(si + SI_MEMMAP_ENTRIES);
	if (nmm == 0 || bootinfo_get64(si + SI_MEMMAP_PADDR) == 0)
		return bootinfo_fail(bi, "PVH start_info has an empty memory map");
	if (nmm > PVH_MAX_MEMMAP)
		return bootinfo_fail(bi, "PVH memory map has more than 1024 entries");
	mm = bootinfo_map(phys, ctx, bootinfo_get64(si + SI_MEMMAP_PADDR),
			  (uint64_t)nmm * MM_ENTRY_SIZE);
	if (!mm)
		return bootinfo_fail(bi, "PVH memory map is not readable memory");
	for (uint32_t i = 0; i < nmm; i++) {
		const uint8_t *e = mm + (size_t)i * MM_ENTRY_SIZE;

		err = bootinfo_add_mem(bi, bootinfo_get64(e + MM_ADDR),
				       bootinfo_get64(e + MM_SIZE),
				       bootinfo_get32(e + MM_TYPE));
		if (err)
			return err;
	}

	err = bootinfo_set_cmdline(bi, phys, ctx, bootinfo_get64(si + SI_CMDLINE_PADDR),
				   BOOTINFO_CMDLINE_MAX);
	if (err)
		return err;

	/* The first module is the initrd (QEMU's -initrd, Xen's first module). */
	nmod = bootinfo_get32(si + SI_NR_MODULES);
	if (nmod > 0) {
		const uint8_t *mod;

		if (bootinfo_get64(si + SI_MODLIST_PADDR) == 0)
			return bootinfo_fail(bi, "PVH start_info lists modules but no module list");
		mod = bootinfo_map(phys, ctx, bootinfo_get64(si + SI_MODLIST_PADDR),
				   MOD_ENTRY_SIZE);
		if (!mod)
			return bootinfo_fail(bi, "PVH module list is not readable memory");
		bi->initrd_base = bootinfo_get64(mod + MOD_PADDR);
		bi->initrd_size = bootinfo_get64(mod + MOD_SIZE);
	}

	bi->rsdp = bootinfo_get64(si + SI_RSDP_PADDR);
	return bootinfo_finish(bi);
}
