/* SPDX-License-Identifier: BSD-2-Clause */
/* What the boot protocol told us, in one form whatever the protocol was. */
#ifndef MOTE_BOOTINFO_H
#define MOTE_BOOTINFO_H

#include <mote/types.h>

#define BOOTINFO_MAX_MEM	64
#define BOOTINFO_CMDLINE_MAX	2048

enum bootinfo_mem_type {
	BOOTINFO_MEM_RAM = 1,		/* usable RAM (e820 type 1) */
	BOOTINFO_MEM_RESERVED = 2,
	BOOTINFO_MEM_ACPI = 3,		/* ACPI reclaimable */
	BOOTINFO_MEM_NVS = 4,
	BOOTINFO_MEM_UNUSABLE = 5,
};

struct bootinfo_mem {
	paddr_t base;
	uint64_t len;
	uint32_t type;			/* enum bootinfo_mem_type */
};

enum bootinfo_protocol {
	BOOT_PVH = 1,
	BOOT_LINUX64 = 2,
	BOOT_MULTIBOOT = 3,
};

struct bootinfo {
	enum bootinfo_protocol protocol;
	struct bootinfo_mem mem[BOOTINFO_MAX_MEM];	/* sorted by base, no overlaps */
	unsigned int nmem;
	char cmdline[BOOTINFO_CMDLINE_MAX];		/* always NUL-terminated */
	paddr_t initrd_base;				/* 0 when there is none */
	uint64_t initrd_size;
	paddr_t rsdp;					/* ACPI RSDP, 0 when unknown */
	uint64_t tsc_entry;				/* TSC at the kernel's first instruction */
	const char *error;				/* why parsing failed: a static string or errbuf */
	char errbuf[96];				/* room for an error that names addresses */
};

/*
 * Parsers read guest-physical memory only through this accessor: it returns
 * a pointer to [addr, addr + len) or NULL when that range is not readable
 * memory. The kernel passes a direct-map translation with bounds; unit tests
 * pass a crafted buffer.
 */
typedef const void *(*bootinfo_phys_fn)(void *ctx, paddr_t addr, uint64_t len);

/*
 * The accessor with the checks every caller would otherwise repeat: an empty
 * range and one that wraps past the top of the address space are unreadable.
 */
static inline const uint8_t *bootinfo_map(bootinfo_phys_fn phys, void *ctx,
					  paddr_t addr, uint64_t len)
{
	if (len == 0 || addr + len < addr)
		return NULL;
	return (const uint8_t *)phys(ctx, addr, len);
}

/*
 * Little-endian loads from boot structures, which are byte-packed: a plain
 * dereference would be an unaligned access that UBSan (rightly) rejects.
 */
static inline uint16_t bootinfo_get16(const uint8_t *p)
{
	uint16_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t bootinfo_get32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t bootinfo_get64(const uint8_t *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

#endif
