/* SPDX-License-Identifier: BSD-2-Clause */
/* The `syscall` instruction's entry in ring 0, the table dispatch, and the jumps into the application. */
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/syscall.h"

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
 *
 * The frame (struct syscall_frame) sits at the top of the thread's kernel
 * stack. Every call keeps what Linux keeps: all registers but %rax
 * (result), %rcx and %r11. The C handlers preserve %rbx, %rbp and
 * %r12-%r15 themselves (SysV ABI), so the entry only reserves their slots;
 * the few handlers that need them in the frame (clone: the child starts
 * with the parent's registers) are reached through SYSCALL_FULL_FRAME
 * below, which stores them before any C code runs. That and the dispatch
 * written here keep a null system call near 45 instructions. A call that
 * returns with signal work pending (trap.h: user_return_work) leaves
 * through syscall_exit_work and iretq instead (DESIGN.md, Signals).
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
	subq $SF_R9, %rsp			/* rbx, rbp, r12-r15: see above */
	sti
	cmpq $SYSCALL_TABLE_SIZE, %rax
	jae .Lunknown
	movq syscall_table(, %rax, 8), %rax
	testq %rax, %rax
	jz .Lunknown
	movq %r10, %rcx				/* the fourth argument, where C wants it */
	call *%rax
.Ldone:
	cmpb $0, syscall_trace(%rip)
	jne .Ltrace
.Lstore:
	cli
	/*
	 * Signal work (a signal to take, a mask to put back, a call a signal
	 * interrupted: it stays set while any thread is interrupted) leaves
	 * through C and iretq; looked at with interrupts off, so a signal
	 * sent from now on finds us in the application.
	 */
	cmpl $0, user_return_work(%rip)
	jne .Lwork
	movq %rax, SF_RAX(%rsp)
	addq $SF_R9, %rsp
.Lrestore_volatile:
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
	/* An interrupt here finishes this return in its frame first (traps.c, returns_to_user). */
	.globl syscall_exit_rsp
syscall_exit_rsp:
	popq %rsp
	.globl syscall_exit_jmp
syscall_exit_jmp:
	jmp *%rcx

	/* syscall_exit_work(frame, result) wants the whole frame: the callee-saved registers are still the caller's. */
.Lwork:
	movq %r15, SF_R15(%rsp)
	movq %r14, SF_R14(%rsp)
	movq %r13, SF_R13(%rsp)
	movq %r12, SF_R12(%rsp)
	movq %rbp, SF_RBP(%rsp)
	movq %rbx, SF_RBX(%rsp)
	movq %rsp, %rdi
	movq %rax, %rsi
	call syscall_exit_work
	ud2					/* it does not return */

.Lunknown:
	movq SF_RAX(%rsp), %rdi
	call syscall_unknown
	jmp .Ldone
.Ltrace:
	pushq %rax				/* the result, passed by address; */
	pushq %rax				/* twice, to keep the stack aligned */
	leaq 16(%rsp), %rdi
	movq %rsp, %rsi
	call syscall_trace_line
	popq %rax
	popq %rax
	jmp .Lstore

/*
 * arch_syscall_return(frame): into the application with every register
 * from *frame (a clone child's first instruction). Interrupts stay off
 * until popfq loads the frame's flags.
 */
	.globl arch_syscall_return
arch_syscall_return:
	cli
	movq %rdi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	jmp .Lrestore_volatile

/*
 * SYSCALL_FULL_FRAME(name, handler): a table entry that first stores the
 * callee-saved registers in the frame, which the entry left to C, then
 * tail-calls handler. Called straight from the entry, so the frame is just
 * above the return address and the registers are still the application's.
 */
.macro SYSCALL_FULL_FRAME name, handler
	.globl \name
\name:
	movq %r15, 8 + SF_R15(%rsp)
	movq %r14, 8 + SF_R14(%rsp)
	movq %r13, 8 + SF_R13(%rsp)
	movq %r12, 8 + SF_R12(%rsp)
	movq %rbp, 8 + SF_RBP(%rsp)
	movq %rbx, 8 + SF_RBX(%rsp)
	jmp \handler
.endm
	SYSCALL_FULL_FRAME sys_clone_full, sys_clone
	SYSCALL_FULL_FRAME sys_clone3_full, sys_clone3

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
