/* SPDX-License-Identifier: BSD-2-Clause */
/* Boot entries: PVH and multiboot (32-bit, paging off) and the Linux 64-bit boot protocol, all reaching arch_boot(). */
#include "arch/x86_64/layout.h"

/*
 * Everything here is linked at its physical address (VMA == LMA), because it
 * runs before paging or under the loader's identity map. The boot page tables
 * map the first 1 GiB three times with 2 MiB pages: identity (so this code
 * keeps running), at DIRECT_MAP, and at KERNEL_VIRT. arch_boot() replaces
 * them; .boot is then given back to the page allocator.
 */

#define PTE_P	0x001
#define PTE_RW	0x002
#define PTE_PS	0x080

	.section .boot.header, "a"
	.balign 4
	/*
	 * 48 zero bytes that tools/mkmultiboot fills with a multiboot header
	 * (Multiboot 0.6.96 §3.1) in the 32-bit image only: QEMU would try to
	 * load this ELF64 as multiboot, and refuse it, if the header were here.
	 */
	.globl multiboot_header_slot
multiboot_header_slot:
	.fill 12, 4, 0

	/* Xen public/elfnote.h: XEN_ELFNOTE_PHYS32_ENTRY (18), the PVH entry. */
	.section .note.Xen, "a", @note
	.balign 4
	.long 4
	.long 4
	.long 18
	.asciz "Xen"
	.balign 4
	.long pvh_entry

	.section .boot.text, "ax"

/*
 * Fills the boot page tables; valid as 32-bit and as 64-bit code. With 1 GiB
 * pages (CPUID 80000001H:EDX[26]) one PDPT entry maps the first 1 GiB;
 * without, a page directory of 512 2 MiB entries does (2.5k instructions).
 * Clobbers eax, ebx, ecx, edx, edi.
 */
.macro BUILD_BOOT_TABLES
	movl $0x80000001, %eax
	cpuid
	btl $26, %edx
	jnc 2f
	movl $(PTE_P + PTE_RW + PTE_PS), boot_pdpt_low
	movl $(PTE_P + PTE_RW + PTE_PS), boot_pdpt_high + 510 * 8
	jmp 3f
2:	movl $boot_pd, %edi
	movl $(PTE_P | PTE_RW | PTE_PS), %eax
	movl $512, %ecx
1:	movl %eax, (%edi)
	addl $0x200000, %eax
	addl $8, %edi
	decl %ecx
	jnz 1b
	movl $(boot_pd + PTE_P + PTE_RW), boot_pdpt_low
	movl $(boot_pd + PTE_P + PTE_RW), boot_pdpt_high + 510 * 8
3:	movl $(boot_pdpt_low + PTE_P + PTE_RW), boot_pml4
	movl $(boot_pdpt_low + PTE_P + PTE_RW), boot_pml4 + 256 * 8
	movl $(boot_pdpt_high + PTE_P + PTE_RW), boot_pml4 + 511 * 8
.endm

	.code32
	/* PVH: flat 32-bit protected mode, paging off, %ebx = hvm_start_info. */
	.globl pvh_entry
pvh_entry:
	rdtsc
	movl %eax, boot_tsc
	movl %edx, boot_tsc + 4
	movl $BOOT_PROTO_PVH, boot_protocol
	movl %ebx, boot_info
	jmp enter_long_mode

	/* Multiboot 1: %eax = 0x2BADB002, %ebx = multiboot_info (§3.2). */
	.globl multiboot_entry
multiboot_entry:
	movl %eax, %esi
	rdtsc
	movl %eax, boot_tsc
	movl %edx, boot_tsc + 4
	movl $BOOT_PROTO_MULTIBOOT, boot_protocol
	movl %ebx, boot_info
	movl %esi, boot_extra
	jmp enter_long_mode

enter_long_mode:
	cld
	BUILD_BOOT_TABLES
	movl %cr4, %eax
	orl $0x20, %eax				/* CR4.PAE */
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx			/* IA32_EFER */
	rdmsr
	orl $0x100, %eax			/* LME */
	wrmsr
	lgdt boot_gdt_desc
	movl %cr0, %eax
	orl $0x80010001, %eax			/* PG | WP | PE */
	movl %eax, %cr0
	ljmp $SEL_KCODE, $long_mode

	.code64
	/*
	 * Linux 64-bit boot protocol (Documentation/arch/x86/boot.rst, "64-bit
	 * Boot Protocol"): long mode, identity-mapped, %rsi = boot_params.
	 * This is e_entry, the way Firecracker starts an ELF kernel.
	 */
	.globl linux64_entry
linux64_entry:
	cli
	rdtsc
	movl %eax, boot_tsc(%rip)
	movl %edx, boot_tsc + 4(%rip)
	movl $BOOT_PROTO_LINUX64, boot_protocol(%rip)
	movq %rsi, boot_info(%rip)
	cld
	BUILD_BOOT_TABLES
	lgdt boot_gdt_desc(%rip)
	movl $boot_pml4, %eax
	movq %rax, %cr3
	pushq $SEL_KCODE
	leaq long_mode(%rip), %rax
	pushq %rax
	lretq

long_mode:
	movl $SEL_KDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	/* Run on the boot stack through the direct map: the identity map goes away. */
	movabsq $(DIRECT_MAP + boot_stack_top), %rsp
	xorl %ebp, %ebp				/* ends backtraces */
	movl boot_protocol(%rip), %edi
	movq boot_info(%rip), %rsi
	movl boot_extra(%rip), %edx
	movq boot_tsc(%rip), %rcx
	movabsq $arch_boot, %rax
	call *%rax
	ud2

	.section .boot.rodata, "a"
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff		/* 0x08: 64-bit code, ring 0 */
	.quad 0x00cf92000000ffff		/* 0x10: data */
boot_gdt_desc:
	.word boot_gdt_desc - boot_gdt - 1
	.quad boot_gdt

	.section .boot.bss, "aw", @nobits
	.balign 4096
boot_pml4:	.skip 4096
boot_pdpt_low:	.skip 4096
boot_pdpt_high:	.skip 4096
boot_pd:	.skip 4096
	.globl boot_stack, boot_stack_top
boot_stack:	.skip BOOT_STACK_SIZE
boot_stack_top:
	.balign 8
boot_tsc:	.skip 8
boot_info:	.skip 8
boot_protocol:	.skip 4
boot_extra:	.skip 4
