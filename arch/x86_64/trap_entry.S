/* SPDX-License-Identifier: BSD-2-Clause */
/* Interrupt and exception entry: every vector enters on an IST stack and moves its frame to the thread's kernel stack. */
#include "arch/x86_64/percpu.h"

/*
 * Ring 0 rules (DESIGN.md): the CPU does not switch stacks for a ring 0
 * interrupt, and the interrupted code may be the application running on a
 * stack that is not yet present or using its red zone. So every vector uses
 * IST. Ordinary vectors then copy the hardware frame to the current thread's
 * kernel stack — below the interrupted %rsp when we were already on it,
 * else at its top — so that handlers may nest, fault and switch threads.
 * #DF, NMI and #MC stay on their own IST stacks.
 */

/* Vectors for which the CPU pushes an error code (Intel SDM vol. 3A, 6.13). */
#define HAS_ERROR(v) ((v) == 8 || (v) == 10 || (v) == 11 || (v) == 12 || \
		      (v) == 13 || (v) == 14 || (v) == 17 || (v) == 21 || \
		      (v) == 29 || (v) == 30)
#define STAYS_ON_IST(v) ((v) == 2 || (v) == 8 || (v) == 18)

#define FRAME_WORDS	10		/* rcx, rdx, rax, vector, error, rip, cs, rflags, rsp, ss */
#define STACK_MARGIN	1024		/* what a handler needs at least */

	.text
	.balign 16
	.globl trap_stubs
trap_stubs:
vec = 0
.rept 256
	.balign 16
.if HAS_ERROR(vec) == 0
	pushq $0
.endif
	pushq $vec
.if STAYS_ON_IST(vec)
	jmp trap_save
.else
	jmp trap_move
.endif
vec = vec + 1
.endr

trap_move:
	pushq %rax
	pushq %rdx
	pushq %rcx
	movq %rsp, %rdx
	andq $-ENTRY_STACK_SIZE, %rdx		/* struct percpu at the IST1 base */
	movq 8 * 8(%rsp), %rax			/* interrupted %rsp */
	cmpq PERCPU_KSTACK_TOP(%rdx), %rax
	jae 1f
	cmpq PERCPU_KSTACK_BASE(%rdx), %rax
	jae 3f
	leaq 4096(%rax), %rcx			/* in the guard page below the stack? */
	cmpq PERCPU_KSTACK_BASE(%rdx), %rcx
	jae trap_stack_overflow
	jmp 1f
3:	andq $-16, %rax				/* nested: continue below it */
	jmp 2f
1:	movq PERCPU_KSTACK_TOP(%rdx), %rax	/* from elsewhere: start at the top */
2:	leaq -(FRAME_WORDS * 8 + STACK_MARGIN)(%rax), %rcx
	cmpq PERCPU_KSTACK_BASE(%rdx), %rcx
	jb trap_stack_overflow
	subq $(FRAME_WORDS * 8), %rax
	.irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9
	movq \i * 8(%rsp), %rcx
	movq %rcx, \i * 8(%rax)
	.endr
	movq %rax, %rsp
	popq %rcx
	popq %rdx
	popq %rax
	jmp trap_save

	/* The kernel stack is full: report on the entry stack, which stays usable for that. */
trap_stack_overflow:
	popq %rcx
	popq %rdx
	popq %rax
	movq $0xfffe, 0(%rsp)			/* marks the vector as "stack overflow" */
	jmp trap_save

trap_save:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	/* A frame record so that backtraces continue into the interrupted code. */
	pushq 17 * 8(%rsp)			/* rip */
	pushq %rbp
	movq %rsp, %rbp
	call trap_dispatch
	addq $16, %rsp
	.globl trap_return
trap_return:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp
	iretq

/*
 * arch_trap_return(tf): leaves through trap_return with every register
 * from *tf, a trap frame built elsewhere on this kernel stack (the return
 * to the application after a system call with signal work, rt_sigreturn).
 * iretq loads rip, rflags and rsp at once, so rcx and r11 come back too,
 * which the syscall exit's jump cannot give.
 */
	.globl arch_trap_return
arch_trap_return:
	cli
	movq %rdi, %rsp
	jmp trap_return
