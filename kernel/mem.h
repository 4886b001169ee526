/* SPDX-License-Identifier: BSD-2-Clause */
/* Physical memory bring-up: the page allocator fed from the memory map, and the kernel's page tables. */
#ifndef KERNEL_MEM_H
#define KERNEL_MEM_H

#include <mote/bootinfo.h>

/* Feeds the page allocator from the memory map, minus the kernel, the initrd and page 0. */
int mem_init(const struct bootinfo *bi);
/* Builds the direct map and the kernel image mapping (W^X) and switches to them. */
int mem_paging_init(const struct bootinfo *bi);
/* Returns the boot-only part of the image (.boot: entry code, boot page tables and stack). */
void mem_reclaim_boot(void);
/*
 * The application's ELF copy in the image (section .app) is not mapped at
 * its kernel address: read it through the direct map (mem_app_image), and
 * give its pages back once it is loaded (mem_reclaim_app_image).
 */
const void *mem_app_image(size_t *size);
void mem_reclaim_app_image(void);
/* Gives the initrd's pages back once it has been unpacked (the whole pages inside it only). */
void mem_reclaim_initrd(void);

/* Bytes of page-table pages in use. */
uint64_t mem_page_table_bytes(void);

/* Reads firmware data anywhere in physical memory: the direct map where it covers, else a temporary window. */
const void *mem_phys_access(void *ctx, paddr_t addr, uint64_t len);

#endif
