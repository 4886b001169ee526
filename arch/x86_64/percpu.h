/* SPDX-License-Identifier: BSD-2-Clause */
/* Per-CPU data, found from the CPU's own entry stack rather than a GS base the application can rewrite. */
#ifndef ARCH_X86_64_PERCPU_H
#define ARCH_X86_64_PERCPU_H

/*
 * Every ordinary vector enters on IST1. Each CPU's IST1 stack is
 * ENTRY_STACK_SIZE bytes, aligned to its size, and struct percpu sits at its
 * bottom: the entry stub finds it by masking %rsp, which the application
 * cannot influence (DESIGN.md, Ring 0 rules). The syscall entry finds it
 * through a per-CPU LSTAR stub. Offsets are used from assembly.
 */
#define ENTRY_STACK_SIZE	4096
#define PERCPU_KSTACK_BASE	0
#define PERCPU_KSTACK_TOP	8
#define PERCPU_USER_RSP		16
#define PERCPU_SELF		24
#define PERCPU_FAULT_DEPTH	32

#ifndef __ASSEMBLER__
#include <mote/types.h>

struct percpu {
	uint64_t kstack_base;	/* current thread's kernel stack [base, top) */
	uint64_t kstack_top;
	uint64_t user_rsp;	/* scratch for the syscall entry */
	struct percpu *self;
	uint64_t fault_depth;	/* nested exceptions being handled */
	unsigned int cpu_id;
};

_Static_assert(__builtin_offsetof(struct percpu, kstack_base) == PERCPU_KSTACK_BASE, "asm offset");
_Static_assert(__builtin_offsetof(struct percpu, kstack_top) == PERCPU_KSTACK_TOP, "asm offset");
_Static_assert(__builtin_offsetof(struct percpu, user_rsp) == PERCPU_USER_RSP, "asm offset");
_Static_assert(__builtin_offsetof(struct percpu, self) == PERCPU_SELF, "asm offset");
_Static_assert(__builtin_offsetof(struct percpu, fault_depth) == PERCPU_FAULT_DEPTH, "asm offset");

extern struct percpu *const percpu0;

/* The boot CPU's; SMP will pick by LAPIC id. */
static inline struct percpu *this_cpu(void) { return percpu0; }

#endif
#endif
