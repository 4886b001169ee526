/* SPDX-License-Identifier: BSD-2-Clause */
/* Building and checking a struct bootinfo: helpers shared by the boot protocol parsers. */
#ifndef KERNEL_BOOTINFO_H
#define KERNEL_BOOTINFO_H

#include <mote/bootinfo.h>

/*
 * Start a fresh bootinfo for @protocol. tsc_entry survives, because the entry
 * code records it before the protocol parser runs.
 */
void bootinfo_init(struct bootinfo *bi, enum bootinfo_protocol protocol);

/* Record @msg (a static string) as the reason parsing failed; returns -EINVAL. */
int bootinfo_fail(struct bootinfo *bi, const char *msg);

/*
 * Add [base, base + len) of e820-style @type. Zero-length ranges are ignored,
 * a range that wraps is clamped to the top of the address space and types
 * outside 1..5 count as reserved. Ranges may arrive unsorted and
 * overlapping; bootinfo_finish() sorts that out.
 */
int bootinfo_add_mem(struct bootinfo *bi, paddr_t base, uint64_t len, uint32_t type);

/*
 * Sort the memory map by base, resolve overlaps (anything else wins over RAM),
 * merge neighbours of the same type, then check the result: there must be
 * RAM, and the initrd must lie inside it.
 */
int bootinfo_finish(struct bootinfo *bi);

/*
 * Copy the NUL-terminated command line at guest-physical @addr (0: none) into
 * bi->cmdline. At most min(@maxlen, BOOTINFO_CMDLINE_MAX) bytes, the NUL
 * included, are looked at. When memory ranges have been added already, the
 * line must lie inside them (any type), so a pointer past the end of RAM is
 * rejected instead of being read as bus float.
 */
int bootinfo_set_cmdline(struct bootinfo *bi, bootinfo_phys_fn phys, void *ctx,
			 paddr_t addr, uint64_t maxlen);

/* End of the highest RAM range: the first address above all RAM. */
uint64_t bootinfo_ram_top(const struct bootinfo *bi);

/*
 * The protocol parsers (arch/x86_64/boot/). Each fills @bi from the structure
 * the boot loader or VMM left in guest memory, then runs bootinfo_finish().
 * On failure they return -EINVAL with bi->error set.
 */
int bootinfo_from_pvh(struct bootinfo *bi, bootinfo_phys_fn phys, void *ctx,
		      paddr_t start_info);
int bootinfo_from_multiboot(struct bootinfo *bi, bootinfo_phys_fn phys, void *ctx,
			    uint32_t magic, paddr_t mbi);
int bootinfo_from_zeropage(struct bootinfo *bi, bootinfo_phys_fn phys, void *ctx,
			   paddr_t boot_params);

#endif
