/* SPDX-License-Identifier: BSD-2-Clause */
/* The application's address space: mappings in a VMA tree, pages on first touch, the mmap family. */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include <mote/types.h>
#include "lib/vma.h"

/* Linux uapi asm-generic/mman-common.h, mman.h, linux/mman.h */
#define MAP_SHARED		0x01
#define MAP_PRIVATE		0x02
#define MAP_TYPE		0x0f
#define MAP_FIXED		0x10
#define MAP_ANONYMOUS		0x20
#define MAP_GROWSDOWN		0x0100
#define MAP_NORESERVE		0x4000
#define MAP_POPULATE		0x8000
#define MAP_STACK		0x20000
#define MAP_FIXED_NOREPLACE	0x100000
#define MREMAP_MAYMOVE		1
#define MREMAP_FIXED		2
#define MADV_NORMAL		0
#define MADV_RANDOM		1
#define MADV_SEQUENTIAL		2
#define MADV_WILLNEED		3
#define MADV_DONTNEED		4
#define MADV_FREE		8
#define MADV_DONTFORK		10
#define MADV_DOFORK		11
#define MADV_HUGEPAGE		14
#define MADV_NOHUGEPAGE		15

/*
 * What backs a file mapping; the VFS implements it. fault() returns the
 * physical page holding the file's bytes at `offset` (page aligned),
 * zero-filled past the end of the file.
 */
struct vm_pager {
	int (*fault)(struct vm_pager *p, uint64_t offset, paddr_t *page);
	const char *name;
};

/* Figures for /proc/meminfo and the boot log. */
struct vm_stats {
	uint64_t total, free;		/* bytes of RAM managed, free now */
	uint64_t kernel_heap;		/* bytes held by kmalloc slabs and large blocks */
	uint64_t page_tables;		/* bytes of page-table pages */
	uint64_t anon;			/* application anonymous memory */
	uint64_t file;			/* application file-backed pages */
};

/* Sets up the empty address space; before the application is loaded. */
void vm_init(void);

/* mmap(2): an address, or -errno. pager is NULL for anonymous memory. */
long vm_mmap(uint64_t addr, uint64_t len, int prot, int flags, struct vm_pager *pager,
	     uint64_t offset, const char *name);
int vm_munmap(uint64_t addr, uint64_t len);
int vm_mprotect(uint64_t addr, uint64_t len, int prot);
long vm_mremap(uint64_t old_addr, uint64_t old_len, uint64_t new_len, int flags,
	       uint64_t new_addr);
int vm_madvise(uint64_t addr, uint64_t len, int advice);
/* 0 when every page of [addr, addr+len) is mapped; -ENOMEM for a hole, -EINVAL if addr is unaligned. */
int vm_check_mapped(uint64_t addr, uint64_t len);

/* The program break: vm_brk_init after loading, then brk(2). */
void vm_brk_init(uint64_t start);
uint64_t vm_brk(uint64_t addr);
/* Marks [start, end) as the main stack with a guard gap below it. */
int vm_stack_init(uint64_t top, uint64_t max_size, uint64_t populated);

/*
 * Resolves a page fault at addr (error code as the CPU gave it). Returns 0
 * when the access may be retried, else -EFAULT (no mapping or not allowed)
 * or -ENOMEM, with *why describing it for the report.
 */
int vm_fault(uint64_t addr, uint64_t error, const char **why);

/* /proc/self/maps text of the current mappings (see vma_format_maps). */
size_t vm_format_maps(char *buf, size_t size);
/* Prints the mappings on the console, for fault reports. */
void vm_print_maps(void);
void vm_get_stats(struct vm_stats *s);

#endif
