/* SPDX-License-Identifier: BSD-2-Clause */
/* Thread switch: callee-saved registers on the old stack, stack pointer swap, and a new thread's first return. */

/*
 * void arch_switch(uint64_t *save_rsp, uint64_t load_rsp)
 * The SysV ABI lets a call clobber everything else; vector state and the
 * TLS bases are switched in C (kernel/sched.c) before this.
 */
	.text
	.globl arch_switch
	.balign 16
arch_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

/*
 * Where a new thread's first arch_switch returns to: its initial stack
 * holds six zero registers, this address, then the C function to call
 * (arch_thread_start(void)). %rbp = 0 ends backtraces here.
 */
	.globl arch_thread_trampoline
arch_thread_trampoline:
	xorl %ebp, %ebp
	popq %rax
	call *%rax
	ud2
