/* SPDX-License-Identifier: BSD-2-Clause */
/* x86_64 memory layout and segment selectors, shared by C and assembly (DESIGN.md, Memory map). */
#ifndef ARCH_X86_64_LAYOUT_H
#define ARCH_X86_64_LAYOUT_H

#define KERNEL_VIRT	0xffffffff80000000	/* kernel image: KERNEL_VIRT + physical */
#define DIRECT_MAP	0xffff800000000000	/* all RAM: DIRECT_MAP + physical */
#define KVA_BASE	0xffffc90000000000	/* kernel virtual area: stacks, MMIO */
#define KVA_SIZE	0x0000010000000000	/* 1 TiB */
#define USER_TOP	0x0000800000000000	/* first address above the lower half */
#define KERNEL_PHYS	0x100000		/* the image is loaded at 1 MiB */

#define SEL_KCODE	0x08
#define SEL_KDATA	0x10
#define SEL_TSS		0x18

/* Boot protocols, passed from the entry stubs to C (see <mote/bootinfo.h>). */
#define BOOT_PROTO_PVH		1
#define BOOT_PROTO_LINUX64	2
#define BOOT_PROTO_MULTIBOOT	3

#define BOOT_STACK_SIZE	8192

#endif
