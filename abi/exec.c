/* SPDX-License-Identifier: BSD-2-Clause */
/* ELF loader: maps the application's segments and stack in the shared address space. */
#include <mote/compiler.h>
#include <mote/errno.h>
#include <mote/types.h>

#include "abi/exec.h"
#include "abi/stack.h"
#include "kernel/random.h"
#include "kernel/uvm.h"
#include "lib/elf.h"

/* Linux mmap protection bits (uapi asm-generic/mman-common.h), which uvm_map takes. */
#ifndef PROT_READ
#define PROT_READ	0x1
#define PROT_WRITE	0x2
#define PROT_EXEC	0x4
#endif

typedef int (*exec_range_fn)(vaddr_t va, size_t len, int prot);

/* A run of pages with one protection, held back until it can grow no more. */
struct exec_run {
	vaddr_t start, end;
	int prot;
	exec_range_fn fn;
};

static int exec_prot(uint32_t p_flags)
{
	return ((p_flags & PF_R) ? PROT_READ : 0) |
	       ((p_flags & PF_W) ? PROT_WRITE : 0) |
	       ((p_flags & PF_X) ? PROT_EXEC : 0);
}

static int exec_run_flush(struct exec_run *run)
{
	int r = 0;

	if (run->end != run->start)
		r = run->fn(run->start, run->end - run->start, run->prot);
	run->start = run->end = 0;
	return r;
}

static int exec_run_add(struct exec_run *run, vaddr_t s, vaddr_t e, int prot)
{
	int r;

	if (run->end != run->start && run->end == s && run->prot == prot) {
		run->end = e;
		return 0;
	}
	r = exec_run_flush(run);
	run->start = s;
	run->end = e;
	run->prot = prot;
	return r;
}

/*
 * Call fn once per run of pages of the image with the protection they need.
 * Segments are sorted and disjoint, but when their boundaries are not page
 * aligned one page can hold the end of one segment and the start of the next
 * (or several small segments): such a page gets the union of their rights,
 * as it would under Linux, where the later mapping covers the whole page.
 */
static int exec_for_each_range(const struct elf_info *info, vaddr_t base,
			       exec_range_fn fn)
{
	struct exec_run run = { .fn = fn };
	vaddr_t pend = 0;		/* last page of the previous segment, may be shared */
	int pend_prot = 0;
	bool have_pend = false;
	unsigned int idx = 0;
	Elf64_Phdr ph;
	int r;

	while (elf_next_load(info, &idx, &ph)) {
		vaddr_t s = ALIGN_DOWN(base + ph.p_vaddr, PAGE_SIZE);
		vaddr_t e = ALIGN_UP(base + ph.p_vaddr + ph.p_memsz, PAGE_SIZE);
		int prot = exec_prot(ph.p_flags);

		if (have_pend && s == pend) {
			pend_prot |= prot;
			if (e == pend + PAGE_SIZE)
				continue;
			s += PAGE_SIZE;
		}
		if (have_pend) {
			r = exec_run_add(&run, pend, pend + PAGE_SIZE, pend_prot);
			if (r)
				return r;
		}
		if (e - s > PAGE_SIZE) {
			r = exec_run_add(&run, s, e - PAGE_SIZE, prot);
			if (r)
				return r;
		}
		pend = e - PAGE_SIZE;
		pend_prot = prot;
		have_pend = true;
	}
	if (have_pend) {
		r = exec_run_add(&run, pend, pend + PAGE_SIZE, pend_prot);
		if (r)
			return r;
	}
	return exec_run_flush(&run);
}

vaddr_t exec_dyn_base(uint64_t rnd, uint64_t align)
{
	if (align < EXEC_DYN_BASE_ALIGN)
		align = EXEC_DYN_BASE_ALIGN;
	if (align > EXEC_DYN_BASE_SPAN)
		return 0;
	/* align and the span are powers of two, so the slot count is one too. */
	uint64_t slots = EXEC_DYN_BASE_SPAN / align;
	return ALIGN_UP(EXEC_DYN_BASE_MIN, align) + (rnd & (slots - 1)) * align;
}

/* Checked before anything is mapped, so a bad request leaves no trace. */
static bool exec_stack_ok(const struct exec_image_args *a)
{
	return IS_ALIGNED(a->stack_top, PAGE_SIZE) && a->stack_top <= ELF_USER_END &&
	       a->stack_top >= ELF_USER_MIN && a->stack_size &&
	       IS_ALIGNED(a->stack_size, PAGE_SIZE) &&
	       a->stack_size <= a->stack_top - ELF_USER_MIN;
}

int exec_load(const struct exec_image_args *a, struct exec_start *out,
	      const char **err)
{
	const char *dummy;
	struct elf_info info;
	vaddr_t base = 0;
	unsigned int idx = 0;
	Elf64_Phdr ph;
	uint64_t wp;
	int r;

	if (!err)
		err = &dummy;
	if (!a || !out) {
		*err = "exec: no arguments";
		return -EINVAL;
	}
	r = elf_check(a->image, a->size, &info, err);
	if (r)
		return r;
	if (!exec_stack_ok(a)) {
		*err = "exec: stack range is not page-aligned or not inside user space";
		return -EINVAL;
	}

	if (info.type == ET_DYN) {
		base = exec_dyn_base(random_u64(), info.max_align);
		/* elf_check bounded hi by the user range; the base must leave room for it. */
		if (!base || info.hi > ELF_USER_END - base) {
			*err = "ELF: static-pie image too large or too aligned to place";
			return -ENOEXEC;
		}
	}

	r = exec_for_each_range(&info, base, uvm_map);
	if (r) {
		*err = "exec: cannot map a PT_LOAD segment";
		return r;
	}
	/*
	 * Same address space: the kernel writes the application's pages through
	 * their user addresses, already mapped with their final protection.
	 */
	wp = uvm_write_begin();
	while (elf_next_load(&info, &idx, &ph)) {
		if (ph.p_filesz)
			__builtin_memcpy((void *)(uintptr_t)(base + ph.p_vaddr),
					 (const char *)a->image + ph.p_offset,
					 ph.p_filesz);
		/* The bss tail is already zero: uvm_map hands out zero-filled pages. */
	}
	uvm_write_end(wp);

	/* Linux (>= 5.8 on x86_64) makes the stack executable only when PT_GNU_STACK asks. */
	r = uvm_map(a->stack_top - a->stack_size, a->stack_size,
		    PROT_READ | PROT_WRITE | (info.stack_exec ? PROT_EXEC : 0));
	if (r) {
		*err = "exec: cannot map the stack";
		return r;
	}

	/* AT_BASE is the interpreter's address: none, even for static-pie (musl's rcrt1 finds its base from PT_DYNAMIC). */
	const uint64_t auxv[][2] = {
		{ AT_PHDR, base + info.phdr_vaddr },
		{ AT_PHENT, info.phentsize },
		{ AT_PHNUM, info.phnum },
		{ AT_BASE, 0 },
		{ AT_ENTRY, base + info.entry },
		{ AT_HWCAP, a->hwcap },
		{ AT_HWCAP2, a->hwcap2 },
	};
	struct stack_args sa = {
		.argc = a->argc,
		.argv = a->argv,
		.envc = a->envc,
		.envp = a->envp,
		.execfn = a->execfn,
		.platform = a->platform,
		.auxv = auxv,
		.nauxv = ARRAY_SIZE(auxv),
	};
	uint64_t rnd[2] = { random_u64(), random_u64() };
	__builtin_memcpy(sa.random, rnd, sizeof(sa.random));

	vaddr_t sp;
	r = stack_build((void *)(uintptr_t)(a->stack_top - a->stack_size),
			a->stack_size, a->stack_top, &sa, &sp);
	if (r) {
		*err = r == -E2BIG ? "exec: arguments and environment do not fit on the stack" :
				     "exec: bad argument or environment vector";
		return r;
	}

	out->entry = base + info.entry;
	out->sp = sp;
	out->base = base;
	out->brk_start = base + info.hi;
	return 0;
}
