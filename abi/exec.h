/* SPDX-License-Identifier: BSD-2-Clause */
/* Loading the application's ELF image and preparing its first instruction. */
#ifndef ABI_EXEC_H
#define ABI_EXEC_H

#include <mote/types.h>

/*
 * Where a static-pie (ET_DYN) image goes: a random multiple of 2 MiB (or of
 * its largest p_align, if that is larger) in [EXEC_DYN_BASE_MIN,
 * EXEC_DYN_BASE_MIN + EXEC_DYN_BASE_SPAN), Linux's ELF_ET_DYN_BASE region
 * (two thirds of the way up the lower half) with 40 bits of spread. 2 MiB
 * keeps large pages possible for the image.
 */
#define EXEC_DYN_BASE_MIN	((vaddr_t)0x555500000000)
#define EXEC_DYN_BASE_SPAN	((vaddr_t)0x10000000000)
#define EXEC_DYN_BASE_ALIGN	LARGE_PAGE_SIZE

struct exec_image_args {
	const void *image;		/* the ELF file, any alignment */
	size_t size;
	const char *execfn;		/* AT_EXECFN, NULL for none */
	int argc;
	char *const *argv;
	int envc;
	char *const *envp;
	uint64_t hwcap, hwcap2;		/* AT_HWCAP (CPUID.1:EDX), AT_HWCAP2 */
	const char *platform;		/* AT_PLATFORM: "x86_64" */
	vaddr_t stack_top;		/* page-aligned, exclusive */
	size_t stack_size;		/* page multiple */
};

struct exec_start {
	vaddr_t entry;			/* where to jump */
	vaddr_t sp;			/* rsp at entry: points at argc, 16-byte aligned */
	vaddr_t base;			/* load bias: 0 for ET_EXEC */
	vaddr_t brk_start;		/* page-aligned end of the image */
};

/*
 * Check the image, map and fill its PT_LOAD segments in the current (shared)
 * address space, map the stack and build argc/argv/envp/auxv on it. Returns 0,
 * or a negative errno with *err naming the fault (-ENOEXEC for a bad image,
 * -EINVAL for bad arguments, -E2BIG when arguments overflow the stack, or
 * uvm_map's error). On failure, whatever was mapped stays mapped: the address
 * space is unusable and the caller discards it.
 */
int exec_load(const struct exec_image_args *a, struct exec_start *out,
	      const char **err);

/* The static-pie base for random value rnd and largest segment alignment align. */
vaddr_t exec_dyn_base(uint64_t rnd, uint64_t align);

#endif
