/* SPDX-License-Identifier: BSD-2-Clause */
/* Trap frames, vectors and the exception fixup table. */
#ifndef ARCH_X86_64_TRAP_H
#define ARCH_X86_64_TRAP_H

#include <mote/compiler.h>
#include <mote/types.h>

/* Layout pushed by arch/x86_64/trap_entry.S; the CPU's part starts at rip. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

enum {
	VEC_DE = 0, VEC_DB = 1, VEC_NMI = 2, VEC_BP = 3, VEC_OF = 4, VEC_BR = 5,
	VEC_UD = 6, VEC_NM = 7, VEC_DF = 8, VEC_TS = 10, VEC_NP = 11, VEC_SS = 12,
	VEC_GP = 13, VEC_PF = 14, VEC_MF = 16, VEC_AC = 17, VEC_MC = 18,
	VEC_XM = 19, VEC_VE = 20, VEC_CP = 21,
	VEC_IRQ_BASE = 32,
	VEC_TIMER = 0xf0,
	VEC_SPURIOUS = 0xff,
};

typedef void (*irq_handler_fn)(struct trap_frame *tf, void *arg);

void idt_init(void);
void trap_set_handler(unsigned int vector, irq_handler_fn fn, void *arg);
/* A free device vector with fn installed on it, or -ENOSPC. */
int trap_alloc_vector(irq_handler_fn fn, void *arg);

/* An instruction that may fault on an application address, and where to resume. */
struct ex_entry {
	uint64_t insn;
	uint64_t fixup;
};

/*
 * Called for an exception raised by application code (rip in the lower
 * half). Returns only if it resolved the fault (e.g. demand paging).
 */
typedef void (*trap_app_fault_fn)(struct trap_frame *tf, uint64_t cr2);
void trap_set_app_fault_handler(trap_app_fault_fn fn);

/* Called for every page fault on an address below USER_TOP; true when the access may be retried. */
typedef bool (*trap_pf_resolver_fn)(uint64_t addr, uint64_t error);
void trap_set_page_fault_resolver(trap_pf_resolver_fn fn);

/* Runs after every interrupt handler and its EOI (the scheduler's preemption point). */
void trap_set_irq_exit_hook(void (*fn)(void));
/* Names what was running (the thread), for fault reports. */
void trap_set_context_name_fn(const char *(*fn)(void));

/*
 * Work on the way back to application code (signal delivery, abi/): while
 * user_return_work is non-zero, every return to the application — from a
 * system call, or from an interrupt or exception that came from it — first
 * calls the hook with the application's registers, which it may change. The
 * hook runs with interrupts off, may turn them on, and returns with them
 * off; it returns true to be called again. sysno is the system call that is
 * returning (tf->rax its result), or -1. A call that a signal interrupted
 * (-EINTR) must find user_return_work set: the hook restarts it or not.
 */
typedef bool (*trap_user_return_fn)(struct trap_frame *tf, long sysno);
extern volatile uint32_t user_return_work;
void trap_set_user_return_hook(trap_user_return_fn fn);
/* Runs the hook as above (interrupts off), then enters the application with every register of *tf. */
__noreturn void trap_return_to_user(struct trap_frame *tf, long sysno);

void trap_dispatch(struct trap_frame *tf);
void trap_dump_registers(const struct trap_frame *tf);
void backtrace_print(uint64_t rbp, uint64_t rip);

#endif
