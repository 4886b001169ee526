/* SPDX-License-Identifier: BSD-2-Clause */
/* The syscall frame, the entry's set-up and the jump into the application. */
#ifndef ARCH_X86_64_SYSCALL_H
#define ARCH_X86_64_SYSCALL_H

#include <mote/compiler.h>
#include <mote/types.h>

/* Pushed by syscall_entry.S, lowest address first. */
struct syscall_frame {
	uint64_t r15, r14, r13, r12, rbp, rbx, r9, r8, r10, rdx, rsi, rdi;
	uint64_t rax;		/* number on entry, result on return */
	uint64_t rip, rflags, rsp;
};

/* Programs STAR/LSTAR/FMASK for this CPU. */
void arch_syscall_init(void);
/* Implemented by abi/: fills frame->rax. */
void syscall_dispatch(struct syscall_frame *frame);

__noreturn void arch_enter_app(uint64_t entry, uint64_t sp);

long arch_user_copy(void *dst, const void *src, size_t n);
long arch_user_strnlen(const char *s, size_t max);

#endif
