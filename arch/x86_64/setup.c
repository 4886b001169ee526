/* SPDX-License-Identifier: BSD-2-Clause */
/* arch_boot(): from the entry stubs to kernel_main() with a console, traps and a bootinfo. */
#include <mote/bootinfo.h>
#include <mote/compiler.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/setup.h"
#include "arch/x86_64/trap.h"
#include "drivers/serial/uart8250.h"
#include "kernel/bootinfo.h"
#include "kernel/init.h"
#include "kernel/log.h"
#include "kernel/panic.h"

extern char boot_stack[], boot_stack_top[];

static struct bootinfo bootinfo;

/* The boot page tables map the first 1 GiB at DIRECT_MAP; nothing else is readable yet. */
#define BOOT_MAPPED_LIMIT (1ul << 30)

static const void *boot_phys(void *ctx, paddr_t addr, uint64_t len)
{
	(void)ctx;
	if (addr >= BOOT_MAPPED_LIMIT || len > BOOT_MAPPED_LIMIT - addr)
		return NULL;
	return (const void *)(DIRECT_MAP + addr);
}

static const char *protocol_name(uint32_t protocol)
{
	switch (protocol) {
	case BOOT_PROTO_PVH:
		return "PVH";
	case BOOT_PROTO_LINUX64:
		return "Linux 64-bit boot protocol";
	case BOOT_PROTO_MULTIBOOT:
		return "multiboot";
	}
	return "unknown";
}

__noreturn void arch_boot(uint32_t protocol, uint64_t info, uint32_t extra, uint64_t tsc)
{
	struct percpu *pc = percpu0;
	int r = -1;

	uart8250_console_init(UART8250_COM1);
	cpu_detect();
	cpu_init();
	/* Until kernel_main moves to a stack of its own, faults nest on the boot stack. */
	pc->kstack_base = DIRECT_MAP + (uint64_t)boot_stack;
	pc->kstack_top = DIRECT_MAP + (uint64_t)boot_stack_top;
	idt_init();

	switch (protocol) {
	case BOOT_PROTO_PVH:
		r = bootinfo_from_pvh(&bootinfo, boot_phys, NULL, info);
		break;
	case BOOT_PROTO_LINUX64:
		r = bootinfo_from_zeropage(&bootinfo, boot_phys, NULL, info);
		break;
	case BOOT_PROTO_MULTIBOOT:
		r = bootinfo_from_multiboot(&bootinfo, boot_phys, NULL, extra, info);
		break;
	}
	bootinfo.tsc_entry = tsc;
	if (r) {
		pr_err("bad boot information from the %s: %s\n", protocol_name(protocol),
		       bootinfo.error ? bootinfo.error : "unknown boot protocol");
		panic_stop();
	}
	pr_debug("booted through %s\n", protocol_name(protocol));
	kernel_main(&bootinfo);
}

const char *arch_boot_protocol_name(const struct bootinfo *bi)
{
	return protocol_name(bi->protocol);
}

/* Runs fn(arg) on a new stack; fn must not return. */
__noreturn void arch_run_on_stack(uint64_t top, void (*fn)(void *), void *arg)
{
	__asm__ volatile(
		"movq %0, %%rsp\n\t"
		"xorl %%ebp, %%ebp\n\t"
		"movq %2, %%rdi\n\t"
		"call *%1\n\t"
		"ud2"
		:: "r"(top), "r"(fn), "r"(arg) : "memory");
	__builtin_unreachable();
}
