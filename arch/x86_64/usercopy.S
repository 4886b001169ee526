/* SPDX-License-Identifier: BSD-2-Clause */
/* Copies to and from application memory that turn a page fault into -EFAULT through the exception table. */

/*
 * long arch_user_copy(void *dst, const void *src, size_t n): 0 or -EFAULT.
 * Callers check that the application range lies in the lower half; a fault
 * on the `rep movsb` resumes at the fixup with %rax = -EFAULT (traps.c).
 */
	.text
	.globl arch_user_copy
arch_user_copy:
	movq %rdx, %rcx
1:	rep movsb
	xorl %eax, %eax
2:	ret

	.section .ex_table, "a"
	.balign 8
	.quad 1b, 2b
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
