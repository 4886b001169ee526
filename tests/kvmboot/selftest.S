/* SPDX-License-Identifier: BSD-2-Clause */
/* Tiny long-mode guest that checks the boot state kvmboot hands over and reports on COM1. */

/*
 * Entered at its physical address in 64-bit mode, interrupts off,
 * %rsi = zero page (Linux Documentation/arch/x86/boot.rst, "64-bit BOOT
 * PROTOCOL"). Prints "cmdline: ...", "rtc: HH:MM:SS" and "kvmboot ok",
 * then writes 5 to isa-debug-exit (exit status 11). A failed check prints
 * "kvmboot FAIL <letter>" and writes 1 (status 3). A command line
 * starting "triple" ends in a triple fault, "hang" in cli; hlt;
 * "int3", "ud2" and "pf" first take a breakpoint, an invalid-opcode fault or
 * a page fault through an IDT gate, "timer" one LAPIC timer interrupt (so
 * the VMM's exception and interrupt delivery is checked, too); "syscall"
 * runs a ring-0 syscall through LSTAR and returns with jmp *%rcx, as the
 * kernel's syscall entry does.
 */

#define COM1		0x3f8
#define COM1_LSR	0x3fd
#define LSR_THRE	0x20
#define DEBUG_EXIT	0xf4

	.code64
	.text
	.globl _start
_start:
	movq	%rsi, %rbx
	movb	$'A', %r12b		/* zero page where kvmboot puts it */
	cmpq	$0x7000, %rbx
	jne	fail
	movb	$'B', %r12b		/* setup_header magic "HdrS" */
	cmpl	$0x53726448, 0x202(%rbx)
	jne	fail
	movb	$'C', %r12b		/* boot protocol >= 2.12 */
	cmpw	$0x020c, 0x206(%rbx)
	jb	fail
	movb	$'D', %r12b		/* three e820 entries */
	cmpb	$3, 0x1e8(%rbx)
	jne	fail
	movb	$'E', %r12b		/* RAM above 1 MiB is type 1 */
	cmpq	$0x100000, 0x2d0+2*20(%rbx)
	jne	fail
	cmpl	$1, 0x2d0+2*20+16(%rbx)
	jne	fail
	movb	$'F', %r12b		/* CMOS status B: 24-hour BCD */
	movb	$0x0b, %al
	outb	%al, $0x70
	inb	$0x71, %al
	cmpb	$0x02, %al
	jne	fail
	movb	$'G', %r12b		/* a usable stack */
	cmpq	$0x8ff0, %rsp
	jne	fail

	leaq	msg_cmdline(%rip), %rdi
	call	puts
	movl	0x228(%rbx), %edi
	call	puts
	movb	$'\n', %al
	call	putc

	leaq	msg_rtc(%rip), %rdi
	call	puts
	movb	$4, %al
	call	cmos_hex
	movb	$':', %al
	call	putc
	movb	$2, %al
	call	cmos_hex
	movb	$':', %al
	call	putc
	movb	$0, %al
	call	cmos_hex
	movb	$'\n', %al
	call	putc

	movl	0x228(%rbx), %edi
	cmpl	$0x70697274, (%rdi)	/* "trip" */
	je	triple
	cmpl	$0x676e6168, (%rdi)	/* "hang" */
	je	hang
	cmpl	$0x33746e69, (%rdi)	/* "int3" */
	je	exc_int3
	cmpl	$0x00326475, (%rdi)	/* "ud2" */
	je	exc_ud2
	cmpl	$0x00006670, (%rdi)	/* "pf" */
	je	exc_pf
	cmpl	$0x656d6974, (%rdi)	/* "time" */
	je	timer
	cmpl	$0x63737973, (%rdi)	/* "sysc" */
	je	sys_call

ok:
	leaq	msg_ok(%rip), %rdi
	call	puts
	movb	$5, %al
	outb	%al, $DEBUG_EXIT
	jmp	hang

fail:
	leaq	msg_fail(%rip), %rdi
	call	puts
	movb	%r12b, %al
	call	putc
	movb	$'\n', %al
	call	putc
	movb	$1, %al
	outb	%al, $DEBUG_EXIT
hang:
	cli
	hlt
	jmp	hang

	/* An empty IDT turns #UD into #GP, #DF, then shutdown. */
triple:
	lidt	null_idtr(%rip)
	ud2
	jmp	hang

exc_int3:
	call	setup_idt
	int3
	jmp	ok

exc_ud2:
	call	setup_idt
	ud2
	jmp	hang

exc_pf:
	call	setup_idt
	movabsq	$0x8000000000, %rax	/* PML4[1]: not present */
	movq	(%rax), %rax
	jmp	hang

setup_idt:
	movl	$3, %esi
	leaq	int3_handler(%rip), %rax
	call	set_gate
	movl	$6, %esi
	leaq	ud_handler(%rip), %rax
	call	set_gate
	movl	$13, %esi
	leaq	gp_handler(%rip), %rax
	call	set_gate
	movl	$14, %esi
	leaq	pf_handler(%rip), %rax
	call	set_gate
	lidt	idtr(%rip)
	ret

	/* A trap: iretq resumes after the int3. */
int3_handler:
	leaq	msg_int3(%rip), %rdi
	call	puts
	iretq

	/* Faults: report and carry on at ok, leaving the frame behind. */
ud_handler:
	leaq	msg_ud(%rip), %rdi
	call	puts
	jmp	ok

pf_handler:
	leaq	msg_pf(%rip), %rdi
	call	puts
	jmp	ok

gp_handler:
	movb	$'I', %r12b
	jmp	fail

	/*
	 * The LAPIC at 0xfee00000 (Intel SDM Vol. 3A §11.4.1) lies outside the
	 * RAM kvmboot maps, so map its 2 MiB page, uncached, through PDPT[3].
	 */
timer:
	movl	$'H', %r12d
	movq	%cr3, %rax
	movq	(%rax), %rax
	andq	$~0xfff, %rax		/* PDPT */
	leaq	lapic_pd(%rip), %rcx
	orq	$3, %rcx
	movq	%rcx, 3*8(%rax)
	movq	$0xfee0009b, %rcx	/* P RW PWT PCD PS */
	movq	%rcx, lapic_pd+0x1f7*8(%rip)
	movq	%cr3, %rax
	movq	%rax, %cr3
	movl	$0x20, %esi
	leaq	timer_handler(%rip), %rax
	call	set_gate
	lidt	idtr(%rip)
	movl	$0xfee00000, %edi
	movl	$0x1ff, 0xf0(%rdi)	/* SVR: enable, spurious vector 0xff */
	movl	$0xb, 0x3e0(%rdi)	/* divide by 1 */
	movl	$0x20, 0x320(%rdi)	/* LVT timer: one-shot, vector 0x20 */
	movl	$0x100000, 0x380(%rdi)	/* initial count */
	sti
1:	hlt
	cmpb	$0, timer_fired(%rip)
	je	1b
	cli
	jmp	ok

timer_handler:
	movb	$1, timer_fired(%rip)
	movl	$0xfee000b0, %edi
	movl	$0, (%rdi)		/* EOI */
	leaq	msg_timer(%rip), %rdi
	call	puts
	iretq

	/* MSR numbers: Intel SDM Vol. 4, table 2-2 (EFER, STAR, LSTAR, FMASK). */
sys_call:
	movl	$0xc0000080, %ecx
	rdmsr
	orl	$1, %eax		/* EFER.SCE */
	wrmsr
	movl	$0xc0000081, %ecx	/* STAR: kernel CS 0x8 */
	xorl	%eax, %eax
	movl	$0x00100008, %edx
	wrmsr
	movl	$0xc0000082, %ecx	/* LSTAR */
	leaq	syscall_entry(%rip), %rax
	movq	%rax, %rdx
	shrq	$32, %rdx
	wrmsr
	movl	$0xc0000084, %ecx	/* FMASK: IF, TF, DF, AC */
	movl	$0x40700, %eax
	xorl	%edx, %edx
	wrmsr
	syscall
	leaq	msg_sysret(%rip), %rdi
	call	puts
	jmp	ok

syscall_entry:
	pushq	%rcx
	leaq	msg_syscall(%rip), %rdi
	call	puts
	popq	%rcx
	jmp	*%rcx

	/* Interrupt gate for vector %esi to %rax (SDM Vol. 3A §6.14.1). */
set_gate:
	leaq	idt(%rip), %rdi
	shll	$4, %esi
	addq	%rsi, %rdi
	movw	%ax, 0(%rdi)
	movw	$0x08, 2(%rdi)
	movw	$0x8e00, 4(%rdi)	/* present, DPL 0, 64-bit interrupt gate */
	shrq	$16, %rax
	movw	%ax, 6(%rdi)
	shrq	$16, %rax
	movl	%eax, 8(%rdi)
	movl	$0, 12(%rdi)
	ret

	/* Prints CMOS register %al as two hex digits (it is BCD). */
cmos_hex:
	outb	%al, $0x70
	inb	$0x71, %al
	movb	%al, %r13b
	shrb	$4, %al
	call	hexdigit
	movb	%r13b, %al
	andb	$0xf, %al
hexdigit:
	addb	$'0', %al
	cmpb	$'9', %al
	jbe	putc
	addb	$'a' - '0' - 10, %al
	/* fall through */
putc:
	movb	%al, %cl
	movw	$COM1_LSR, %dx
1:	inb	%dx, %al
	testb	$LSR_THRE, %al
	jz	1b
	movw	$COM1, %dx
	movb	%cl, %al
	outb	%al, %dx
	ret

puts:
	movb	(%rdi), %al
	testb	%al, %al
	jz	2f
	call	putc
	incq	%rdi
	jmp	puts
2:	ret

	.section .rodata
msg_cmdline:	.asciz "cmdline: "
msg_rtc:	.asciz "rtc: "
msg_ok:		.asciz "kvmboot ok\n"
msg_fail:	.asciz "kvmboot FAIL "
msg_int3:	.asciz "int3 handled\n"
msg_ud:		.asciz "#UD handled\n"
msg_pf:		.asciz "#PF handled\n"
msg_syscall:	.asciz "in syscall\n"
msg_sysret:	.asciz "back from syscall\n"
msg_timer:	.asciz "timer irq\n"
	.balign 8
idtr:		.word 256*16-1
		.quad idt
	.balign 8
null_idtr:	.word 0
		.quad 0

	.bss
	.balign 4096
idt:		.skip 256*16
lapic_pd:	.skip 4096
timer_fired:	.skip 1
