/* SPDX-License-Identifier: BSD-2-Clause */
/* The syscall frame, the entry's set-up and dispatch table, and the jumps into the application. */
#ifndef ARCH_X86_64_SYSCALL_H
#define ARCH_X86_64_SYSCALL_H

/* Entries in syscall_table (the abi layer's handlers by number). */
#define SYSCALL_TABLE_SIZE	512

/* Offsets in struct syscall_frame, for syscall_entry.S. */
#define SF_R15		0
#define SF_R14		8
#define SF_R13		16
#define SF_R12		24
#define SF_RBP		32
#define SF_RBX		40
#define SF_R9		48
#define SF_RAX		96
#define SF_SIZE		128

#ifndef __ASSEMBLER__
#include <mote/compiler.h>
#include <mote/types.h>
#include "arch/x86_64/percpu.h"

/*
 * Pushed by syscall_entry.S at the top of the thread's kernel stack, lowest
 * address first. rbx, rbp and r12-r15 are filled only for the handlers
 * entered through SYSCALL_FULL_FRAME (clone, clone3).
 */
struct syscall_frame {
	uint64_t r15, r14, r13, r12, rbp, rbx, r9, r8, r10, rdx, rsi, rdi;
	uint64_t rax;		/* number on entry, result on return */
	uint64_t rip, rflags, rsp;
};

_Static_assert(sizeof(struct syscall_frame) == SF_SIZE, "asm offset");
_Static_assert(__builtin_offsetof(struct syscall_frame, r9) == SF_R9, "asm offset");
_Static_assert(__builtin_offsetof(struct syscall_frame, rax) == SF_RAX, "asm offset");

typedef long (*syscall_handler_fn)(long a0, long a1, long a2, long a3, long a4, long a5);

/* Programs STAR/LSTAR/FMASK for this CPU. */
void arch_syscall_init(void);

/* Implemented by abi/: the handlers, NULL where a number has none. */
extern const syscall_handler_fn syscall_table[SYSCALL_TABLE_SIZE];
/* Whether to call syscall_trace_line after every call. */
extern bool syscall_trace;
/* A number without a handler: returns -ENOSYS (and says so once). */
long syscall_unknown(long nr);
/* Prints the call (frame->rax is still its number) and its result *ret, or "?" when ret is NULL. */
void syscall_trace_line(const struct syscall_frame *frame, const long *ret);

/* The frame of the system call the current thread is in. */
static inline struct syscall_frame *syscall_frame_current(void)
{
	return (struct syscall_frame *)(this_cpu()->kstack_top - sizeof(struct syscall_frame));
}

/* Table entries that fill the frame's callee-saved slots first, then call sys_clone/sys_clone3. */
long sys_clone_full(long, long, long, long, long, long);
long sys_clone3_full(long, long, long, long, long, long);

__noreturn void arch_enter_app(uint64_t entry, uint64_t sp);
/* Returns into the application with every register from *frame. */
__noreturn void arch_syscall_return(const struct syscall_frame *frame);

long arch_user_copy(void *dst, const void *src, size_t n);
long arch_user_strnlen(const char *s, size_t max);

#endif
#endif
