/* SPDX-License-Identifier: BSD-2-Clause */
/* Empty PVH guest: the floor for boot time; it tells QEMU to exit and stops. */

/*
 * Xen's PVH ABI (xen/include/public/elfnote.h, XEN_ELFNOTE_PHYS32_ENTRY = 18):
 * the note's descriptor is the 32-bit physical entry point, entered in 32-bit
 * protected mode with paging off. The note's segment is 4-byte aligned
 * because QEMU aligns the name by the segment's p_align when it looks for
 * the descriptor.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* isa-debug-exit at iobase 0xf4: QEMU exits with (value << 1) | 1. */
#define DEBUG_EXIT_PORT 0xf4

	.section .note.Xen, "a", @note
	.balign 4
	.long 2f - 1f			/* n_namesz */
	.long 4f - 3f			/* n_descsz */
	.long XEN_ELFNOTE_PHYS32_ENTRY	/* n_type */
1:	.asciz "Xen"
2:	.balign 4
3:	.long empty_start
4:	.balign 4

	.section .text, "ax"
	.code32
	.globl empty_start
empty_start:
	xorl %eax, %eax
	outl %eax, $DEBUG_EXIT_PORT
	/* Only reached without isa-debug-exit: stop here for good. */
	cli
1:	hlt
	jmp 1b
