/* SPDX-License-Identifier: BSD-2-Clause */
/* Hand-made kernel-shaped ELF64 for testing mkmultiboot: a header slot and a 32-bit entry in .boot. */

/*
 * Laid out like the Mote kernel (selftest.ld): .boot at 1 MiB with VMA ==
 * physical address, the rest linked in the top 2 GiB and loaded after it.
 * Booted as multiboot it checks the loader's hand-over (Multiboot 0.6.96
 * §3.2: eax = 0x2BADB002, ebx = multiboot information with mem_* valid),
 * that the data segment and bss arrived, prints "multiboot ok" on COM1 and
 * writes 7 to isa-debug-exit (QEMU exit status 15). A failed check prints
 * "multiboot FAIL <letter>" and writes 1 (status 3).
 */

#define COM1		0x3f8
#define COM1_LSR	0x3fd
#define DEBUG_EXIT	0xf4

	.section .boot, "awx"
	.code32
	.balign 4
#ifdef SLOT_FAR		/* bad input: header slot beyond the first 8 KiB */
	.skip 8192
#endif
	.globl multiboot_header_slot
	.type multiboot_header_slot, @object
multiboot_header_slot:
#ifdef SLOT_DIRTY	/* bad input: an ELF that already has a header */
	.long 0x1badb002, 0, -0x1badb002
	.skip 36
#else
	.skip 48
#endif
	.size multiboot_header_slot, 48

	.globl multiboot_entry
	.type multiboot_entry, @function
multiboot_entry:
	movl	$0x7000, %esp
	movb	$'A', %ch
	cmpl	$0x2badb002, %eax
	jne	fail
	testb	$1, (%ebx)			/* flags bit 0: mem_lower/upper */
	movb	$'B', %ch
	jz	fail
	movb	$'C', %ch			/* data segment loaded at its LMA */
	cmpl	$0x600dda7a, data_word - 0xffffffff80000000
	jne	fail
	movb	$'D', %ch			/* bss zeroed by the loader */
	cmpl	$0, bss_word - 0xffffffff80000000
	jne	fail
	movl	$msg_ok, %esi
	call	puts
	movb	$7, %al
	outb	%al, $DEBUG_EXIT
	jmp	halt
fail:
	movl	$msg_fail, %esi
	call	puts
	movb	%ch, %al
	call	putc
	movb	$'\n', %al
	call	putc
	movb	$1, %al
	outb	%al, $DEBUG_EXIT
halt:
	cli
	hlt
	jmp	halt

putc:
	movb	%al, %cl
	movw	$COM1_LSR, %dx
1:	inb	%dx, %al
	testb	$0x20, %al
	jz	1b
	movw	$COM1, %dx
	movb	%cl, %al
	outb	%al, %dx
	ret

puts:
	movb	(%esi), %al
	testb	%al, %al
	jz	2f
	call	putc
	incl	%esi
	jmp	puts
2:	ret

msg_ok:		.asciz "multiboot ok\n"
msg_fail:	.asciz "multiboot FAIL "

	.text
	.code64
	.globl _start
_start:
	jmp	_start

	.data
	.balign 4
data_word:	.long 0x600dda7a

	.bss
	.balign 4
	.skip 4096
bss_word:	.skip 4
