/* SPDX-License-Identifier: BSD-2-Clause */
/* The `syscall` instruction's entry in ring 0, and the jump into the application. */
#include "arch/x86_64/percpu.h"

/*
 * Ring 0 rules (DESIGN.md): `syscall` leaves %rsp on the application's
 * stack, %rcx = return address, %r11 = flags, and FMASK has cleared IF, DF,
 * TF and AC. We switch to the kernel stack before writing any memory
 * (the red zone below the caller's %rsp is the application's), and return
 * with popfq on the kernel stack, then the saved %rsp, then jmp *%rcx —
 * never sysret, which would drop to ring 3.
 *
 * This is CPU 0's entry: LSTAR is per CPU, so each CPU gets a stub that
 * names its own struct percpu; no GS base is involved.
 */
#define PERCPU0 cpu0_entry_stack

	.text
	.globl syscall_entry_cpu0
	.balign 16
syscall_entry_cpu0:
	movq %rsp, PERCPU0 + PERCPU_USER_RSP(%rip)
	movq PERCPU0 + PERCPU_KSTACK_TOP(%rip), %rsp
	pushq PERCPU0 + PERCPU_USER_RSP(%rip)	/* struct syscall_frame, from the top down */
	pushq %r11				/* rflags */
	pushq %rcx				/* rip */
	pushq %rax				/* number in, result out */
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %r10
	pushq %r8
	pushq %r9
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	sti
	movq %rsp, %rdi
	pushq 13 * 8(%rsp)			/* a frame record: backtraces end at the caller */
	pushq $0
	movq %rsp, %rbp
	call syscall_dispatch
	addq $16, %rsp
	cli
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	popq %r9
	popq %r8
	popq %r10
	popq %rdx
	popq %rsi
	popq %rdi
	popq %rax
	popq %rcx
	movq (%rsp), %r11			/* as after sysret: %r11 = flags */
	popfq
	popq %rsp
	jmp *%rcx

/* arch_enter_app(entry, sp): the first instruction of the application, registers clear (psABI §3.4.1). */
	.globl arch_enter_app
arch_enter_app:
	movq %rsi, %rsp
	movq %rdi, %rcx
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %edx, %edx				/* no atexit function */
	xorl %esi, %esi
	xorl %edi, %edi
	xorl %ebp, %ebp
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	xorl %r11d, %r11d
	xorl %r12d, %r12d
	xorl %r13d, %r13d
	xorl %r14d, %r14d
	xorl %r15d, %r15d
	sti
	jmp *%rcx
