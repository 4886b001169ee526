/* SPDX-License-Identifier: BSD-2-Clause */
/* Reads the Multiboot (version 1) information structure into a struct bootinfo. */
#include <mote/errno.h>

#include "kernel/bootinfo.h"

/* Multiboot Specification 0.6.96 §3.2: the value in %eax on entry. */
#define MB_LOADER_MAGIC		0x2BADB002u

/* Multiboot 0.6.96 §3.3, the information structure. */
#define MBI_FLAGS		0	/* u32 */
#define MBI_MEM_LOWER		4	/* u32, KiB from 0, flags bit 0 */
#define MBI_MEM_UPPER		8	/* u32, KiB from 1 MiB, flags bit 0 */
#define MBI_CMDLINE		16	/* u32, flags bit 2 */
#define MBI_MODS_COUNT		20	/* u32, flags bit 3 */
#define MBI_MODS_ADDR		24	/* u32, flags bit 3 */
#define MBI_MMAP_LENGTH		44	/* u32, flags bit 6 */
#define MBI_MMAP_ADDR		48	/* u32, flags bit 6 */
#define MBI_SIZE		52	/* as far as we read */

#define MBF_MEM			(1u << 0)
#define MBF_CMDLINE		(1u << 2)
#define MBF_MODS		(1u << 3)
#define MBF_MMAP		(1u << 6)

/* Module entry: mod_start, mod_end (one past the last byte), string, reserved. */
#define MOD_START		0
#define MOD_END			4
#define MOD_ENTRY_SIZE		16

/*
 * Memory map entry: a u32 size that does not count itself, then base_addr
 * (u64), length (u64) and type (u32, e820 numbering). size may exceed 20.
 */
#define MMAP_SIZE		0
#define MMAP_BASE		4
#define MMAP_LENGTH		12
#define MMAP_TYPE		20
#define MMAP_MIN_SIZE		20

static int mb_mmap(struct bootinfo *bi, bootinfo_phys_fn phys, void *ctx,
		   const uint8_t *mbi)
{
	uint32_t len = bootinfo_get32(mbi + MBI_MMAP_LENGTH);
	const uint8_t *mm;
	uint32_t off = 0;

	if (len == 0)
		return bootinfo_fail(bi, "multiboot memory map is empty");
	mm = bootinfo_map(phys, ctx, bootinfo_get32(mbi + MBI_MMAP_ADDR), len);
	if (!mm)
		return bootinfo_fail(bi, "multiboot memory map is not readable memory");

	while (off < len) {
		uint32_t size;
		int err;

		if (len - off < 4)
			return bootinfo_fail(bi, "multiboot memory map is truncated");
		size = bootinfo_get32(mm + off + MMAP_SIZE);
		if (size < MMAP_MIN_SIZE)
			return bootinfo_fail(bi, "multiboot memory map entry has size < 20");
		if (size > len - off - 4)
			return bootinfo_fail(bi, "multiboot memory map is truncated");
		err = bootinfo_add_mem(bi, bootinfo_get64(mm + off + MMAP_BASE),
				       bootinfo_get64(mm + off + MMAP_LENGTH),
				       bootinfo_get32(mm + off + MMAP_TYPE));
		if (err)
			return err;
		off += size + 4;
	}
	return 0;
}

int bootinfo_from_multiboot(struct bootinfo *bi, bootinfo_phys_fn phys, void *ctx,
			    uint32_t magic, paddr_t mbi_addr)
{
	const uint8_t *mbi;
	uint32_t flags;
	int err;

	bootinfo_init(bi, BOOT_MULTIBOOT);

	if (magic != MB_LOADER_MAGIC)
		return bootinfo_fail(bi, "multiboot loader magic is not 0x2BADB002");
	mbi = bootinfo_map(phys, ctx, mbi_addr, MBI_SIZE);
	if (!mbi)
		return bootinfo_fail(bi, "multiboot information is not readable memory");
	flags = bootinfo_get32(mbi + MBI_FLAGS);

	if (flags & MBF_MMAP) {
		err = mb_mmap(bi, phys, ctx, mbi);
		if (err)
			return err;
	} else if (flags & MBF_MEM) {
		/* Only sizes: conventional memory from 0, extended memory from 1 MiB. */
		uint64_t lower = (uint64_t)bootinfo_get32(mbi + MBI_MEM_LOWER) * 1024;
		uint64_t upper = (uint64_t)bootinfo_get32(mbi + MBI_MEM_UPPER) * 1024;

		if (lower > 640 * 1024)
			return bootinfo_fail(bi, "multiboot mem_lower is above 640 KiB");
		err = bootinfo_add_mem(bi, 0, lower, BOOTINFO_MEM_RAM);
		if (!err)
			err = bootinfo_add_mem(bi, 1 << 20, upper, BOOTINFO_MEM_RAM);
		if (err)
			return err;
	} else {
		return bootinfo_fail(bi, "multiboot information has no memory map (flags bits 0 and 6 clear)");
	}

	if (flags & MBF_CMDLINE) {
		err = bootinfo_set_cmdline(bi, phys, ctx, bootinfo_get32(mbi + MBI_CMDLINE),
					   BOOTINFO_CMDLINE_MAX);
		if (err)
			return err;
	}

	/* The first module is the initrd. */
	if ((flags & MBF_MODS) && bootinfo_get32(mbi + MBI_MODS_COUNT) > 0) {
		const uint8_t *mod = bootinfo_map(phys, ctx, bootinfo_get32(mbi + MBI_MODS_ADDR),
						  MOD_ENTRY_SIZE);
		uint32_t start, end;

		if (!mod)
			return bootinfo_fail(bi, "multiboot module list is not readable memory");
		start = bootinfo_get32(mod + MOD_START);
		end = bootinfo_get32(mod + MOD_END);
		if (end < start)
			return bootinfo_fail(bi, "multiboot module 0 ends before it starts");
		bi->initrd_base = start;
		bi->initrd_size = end - start;
	}

	/* Multiboot 1 has no RSDP field: rsdp stays 0 and ACPI code scans the BIOS areas. */
	return bootinfo_finish(bi);
}
