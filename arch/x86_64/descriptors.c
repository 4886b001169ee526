/* SPDX-License-Identifier: BSD-2-Clause */
/* GDT, TSS with the IST stacks, and the IDT that points every vector at its entry stub. */
#include <mote/compiler.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trap.h"

#define IST_ENTRY	1	/* ordinary vectors: left at once for the kernel stack */
#define IST_DF		2
#define IST_NMI		3
#define IST_MC		4
#define IST_STACK_SIZE	4096

/* Intel SDM vol. 3A, 8.7: 64-bit TSS. */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

uint8_t cpu0_entry_stack[ENTRY_STACK_SIZE] __aligned(ENTRY_STACK_SIZE);
#define entry_stack0 cpu0_entry_stack
static uint8_t df_stack[IST_STACK_SIZE] __aligned(16);
static uint8_t nmi_stack[IST_STACK_SIZE] __aligned(16);
static uint8_t mc_stack[IST_STACK_SIZE] __aligned(16);

struct percpu *const percpu0 = (struct percpu *)entry_stack0;

static struct tss tss0 __aligned(16);
static uint64_t gdt[5] __aligned(16);
/* 256 gates of 16 bytes, built as quadword pairs (Intel SDM vol. 3A, 6.14.1). */
static uint64_t idt[2 * 256] __aligned(16);

extern char trap_stubs[];

static void gdt_init(void)
{
	uint64_t base = (uint64_t)&tss0, limit = sizeof(tss0) - 1;
	struct desc_ptr gdtr = { sizeof(gdt) - 1, (uint64_t)gdt };

	gdt[0] = 0;
	gdt[SEL_KCODE / 8] = 0x00af9a000000ffffull;	/* 64-bit code, DPL 0 */
	gdt[SEL_KDATA / 8] = 0x00cf92000000ffffull;	/* data */
	/* 16-byte available 64-bit TSS descriptor (type 9), SDM vol. 3A, 8.2.3 */
	gdt[SEL_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			   (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
			   (((base >> 24) & 0xff) << 56);
	gdt[SEL_TSS / 8 + 1] = base >> 32;

	tss0.ist[IST_ENTRY - 1] = (uint64_t)entry_stack0 + ENTRY_STACK_SIZE;
	tss0.ist[IST_DF - 1] = (uint64_t)df_stack + IST_STACK_SIZE;
	tss0.ist[IST_NMI - 1] = (uint64_t)nmi_stack + IST_STACK_SIZE;
	tss0.ist[IST_MC - 1] = (uint64_t)mc_stack + IST_STACK_SIZE;
	tss0.iomap_base = sizeof(tss0);		/* no I/O bitmap */

	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movl %2, %%eax\n\t"
		"movl %%eax, %%ds\n\t"
		"movl %%eax, %%es\n\t"
		"movl %%eax, %%ss\n\t"
		"ltr %w3"
		:: "m"(gdtr), "i"(SEL_KCODE), "i"(SEL_KDATA), "r"(SEL_TSS)
		: "rax", "memory");
}

void idt_init(void)
{
	struct desc_ptr idtr = { sizeof(idt) - 1, (uint64_t)idt };

	percpu0->self = percpu0;
	gdt_init();
	/*
	 * Each gate as two quadwords (Intel SDM vol. 3A, 6.14.1): this loop
	 * runs on every boot, and field-by-field stores of the packed struct
	 * cost four times as many instructions.
	 */
	{
		uint64_t addr = (uint64_t)trap_stubs;
		uint64_t hi = addr >> 32;
		uint64_t *gates = idt, *gate = gates;

		for (unsigned int v = 0; v < 256; v++, addr += 16, gate += 2) {
			gate[0] = (addr & 0xffff) | ((uint64_t)SEL_KCODE << 16) |
				  ((uint64_t)IST_ENTRY << 32) | (0x8eull << 40) /* present, DPL 0, interrupt gate */ |
				  ((addr >> 16) & 0xffff) << 48;
			gate[1] = hi;	/* kernel text is in the top 2 GiB: one upper half for all */
		}
		gates[2 * VEC_DF] += (uint64_t)(IST_DF - IST_ENTRY) << 32;
		gates[2 * VEC_NMI] += (uint64_t)(IST_NMI - IST_ENTRY) << 32;
		gates[2 * VEC_MC] += (uint64_t)(IST_MC - IST_ENTRY) << 32;
	}
	__asm__ volatile("lidt %0" :: "m"(idtr) : "memory");
}

bool entry_stack_contains(uint64_t addr)
{
	uint64_t e = (uint64_t)entry_stack0;

	return (addr >= e && addr < e + ENTRY_STACK_SIZE) ||
	       (addr >= (uint64_t)df_stack && addr < (uint64_t)df_stack + IST_STACK_SIZE) ||
	       (addr >= (uint64_t)nmi_stack && addr < (uint64_t)nmi_stack + IST_STACK_SIZE) ||
	       (addr >= (uint64_t)mc_stack && addr < (uint64_t)mc_stack + IST_STACK_SIZE);
}
