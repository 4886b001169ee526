/* SPDX-License-Identifier: BSD-2-Clause */
/* Copies to and from application memory that turn a page fault into -EFAULT through the exception table. */

/*
 * long arch_user_copy(void *dst, const void *src, size_t n): 0 or -EFAULT.
 * Callers check that the application range lies in the lower half; a fault
 * on either `rep movs` resumes at the fixup with %rax = -EFAULT (traps.c).
 * Eight bytes per iteration, then the tail one by one, as lib/string.c's
 * memcpy: emulators (QEMU's TCG) and -icount take one step per iteration,
 * so `rep movsb` alone made every read and write cost eight times more
 * steps than it needs.
 */
	.text
	.globl arch_user_copy
arch_user_copy:
	movq %rdx, %rcx
	shrq $3, %rcx
1:	rep movsq
	movq %rdx, %rcx
	andq $7, %rcx
6:	rep movsb
	xorl %eax, %eax
2:	ret

	.section .ex_table, "a"
	.balign 8
	.quad 1b, 2b
	.quad 6b, 2b
	.previous

/* long arch_user_strnlen(const char *s, size_t max): length, max when none found within, or -EFAULT. */
	.globl arch_user_strnlen
arch_user_strnlen:
	xorl %eax, %eax
3:	cmpq %rsi, %rax
	jae 5f
4:	cmpb $0, (%rdi, %rax)
	je 5f
	incq %rax
	jmp 3b
5:	ret

	.section .ex_table, "a"
	.quad 4b, 5b
	.previous
