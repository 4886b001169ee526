/* SPDX-License-Identifier: BSD-2-Clause */
/* Trap dispatch: interrupt handlers, exception fixups, application faults, and fatal fault reports. */
#include <mote/compiler.h>
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trap.h"
#include "kernel/ksyms.h"
#include "kernel/log.h"
#include "kernel/panic.h"

#define VEC_STACK_OVERFLOW 0xfffe	/* set by trap_entry.S */

static struct {
	irq_handler_fn fn;
	void *arg;
} handlers[256];

static trap_app_fault_fn app_fault_handler;
static trap_pf_resolver_fn pf_resolver;
static trap_user_return_fn user_return_hook;
volatile uint32_t user_return_work;
static void (*irq_exit_hook)(void);
static const char *(*context_name)(void);

void trap_set_context_name_fn(const char *(*fn)(void))
{
	context_name = fn;
}

void trap_set_irq_exit_hook(void (*fn)(void))
{
	irq_exit_hook = fn;
}

extern const struct ex_entry __ex_table_start[], __ex_table_end[];
bool entry_stack_contains(uint64_t addr);

static const char *const exception_names[32] = {
	[VEC_DE] = "#DE divide error",
	[VEC_DB] = "#DB debug",
	[VEC_NMI] = "NMI",
	[VEC_BP] = "#BP breakpoint",
	[VEC_OF] = "#OF overflow",
	[VEC_BR] = "#BR bound range",
	[VEC_UD] = "#UD invalid opcode",
	[VEC_NM] = "#NM device not available",
	[VEC_DF] = "#DF double fault",
	[VEC_TS] = "#TS invalid TSS",
	[VEC_NP] = "#NP segment not present",
	[VEC_SS] = "#SS stack fault",
	[VEC_GP] = "#GP general protection",
	[VEC_PF] = "#PF page fault",
	[VEC_MF] = "#MF x87 error",
	[VEC_AC] = "#AC alignment check",
	[VEC_MC] = "#MC machine check",
	[VEC_XM] = "#XM SIMD exception",
	[VEC_VE] = "#VE virtualization",
	[VEC_CP] = "#CP control protection",
};

void trap_set_handler(unsigned int vector, irq_handler_fn fn, void *arg)
{
	handlers[vector & 0xff].arg = arg;
	handlers[vector & 0xff].fn = fn;
}

int trap_alloc_vector(irq_handler_fn fn, void *arg)
{
	/* Device vectors: above the 16 ISA ones, below the timer's. */
	for (unsigned int v = VEC_IRQ_BASE + 16; v < VEC_TIMER; v++) {
		if (!handlers[v].fn) {
			trap_set_handler(v, fn, arg);
			return (int)v;
		}
	}
	return -ENOSPC;
}

void trap_set_app_fault_handler(trap_app_fault_fn fn)
{
	app_fault_handler = fn;
}

void trap_set_page_fault_resolver(trap_pf_resolver_fn fn)
{
	pf_resolver = fn;
}

void trap_set_user_return_hook(trap_user_return_fn fn)
{
	user_return_hook = fn;
}

__noreturn void arch_trap_return(struct trap_frame *tf);
/* The last two instructions of the syscall exit (syscall_entry.S), after its popfq. */
extern const char syscall_exit_rsp[], syscall_exit_jmp[];

/*
 * Whether tf returns to application code. An interrupt taken between the
 * syscall exit's popfq (which turns interrupts on) and its jump interrupted
 * a return that is as good as done: finish it in tf (the user rsp is in the
 * slot %rsp points at, the user rip in %rcx), so that work found by that
 * interrupt is not left until the next kernel entry.
 */
static bool returns_to_user(struct trap_frame *tf)
{
	if (tf->vector == VEC_NMI || tf->vector == VEC_DF || tf->vector == VEC_MC)
		return false;	/* on their own IST stacks: nothing may sleep there */
	if (tf->rip < USER_TOP)
		return true;
	if (tf->rip == (uint64_t)syscall_exit_rsp) {
		tf->rsp = *(const uint64_t *)tf->rsp;
		tf->rip = tf->rcx;
		return true;
	}
	if (tf->rip == (uint64_t)syscall_exit_jmp) {
		tf->rip = tf->rcx;
		return true;
	}
	return false;
}

__noreturn void trap_return_to_user(struct trap_frame *tf, long sysno)
{
	irq_disable();
	if (user_return_hook)
		while (user_return_hook(tf, sysno))
			sysno = -1;
	arch_trap_return(tf);
}

static const char *exception_name(uint64_t v)
{
	if (v == VEC_STACK_OVERFLOW)
		return "kernel stack overflow";
	if (v < 32 && exception_names[v])
		return exception_names[v];
	return "reserved exception";
}

static bool fixup_exception(struct trap_frame *tf)
{
	for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == tf->rip) {
			tf->rip = e->fixup;
			tf->rax = (uint64_t)-EFAULT;
			return true;
		}
	}
	return false;
}

/* A frame pointer we may follow: inside a kernel stack we know, aligned. */
static bool frame_readable(uint64_t rbp)
{
	struct percpu *pc = this_cpu();

	if (rbp & 7)
		return false;
	if (rbp >= pc->kstack_base && rbp + 16 <= pc->kstack_top)
		return true;
	return entry_stack_contains(rbp) && entry_stack_contains(rbp + 15);
}

/*
 * Whether the function containing rip has set up its frame record yet. gcc
 * leaves frame pointers out of leaf functions whatever the flags say, so a
 * fault there has its caller's return address at [rsp], not in a record.
 */
static bool frame_set_up(uint64_t rip)
{
	static const uint8_t prologue[4] = { 0x55, 0x48, 0x89, 0xe5 };	/* push %rbp; mov %rsp,%rbp */
	uint64_t off;

	if (!ksyms_lookup(rip, &off))
		return true;
	return off >= sizeof(prologue) && __builtin_memcmp((const void *)(rip - off), prologue,
							    sizeof(prologue)) == 0;
}

static void backtrace_walk(uint64_t rbp, int depth)
{
	char sym[96];

	for (; depth < 32 && frame_readable(rbp); depth++) {
		uint64_t *frame = (uint64_t *)rbp;
		uint64_t ret = frame[1];

		if (ret < KERNEL_VIRT)
			break;	/* into application code: its frames are not ours to trust */
		ksyms_format(sym, sizeof(sym), ret - 1);
		printk("    #%-2d %016lx %s\n", depth, ret, sym);
		if (frame[0] <= rbp)
			break;	/* frames must move up the stack */
		rbp = frame[0];
	}
}

void backtrace_print(uint64_t rbp, uint64_t rip)
{
	char sym[96];

	printk("  backtrace:\n");
	ksyms_format(sym, sizeof(sym), rip);
	printk("    #0  %016lx %s\n", rip, sym);
	backtrace_walk(rbp, 1);
}

/* From a trap frame: also finds the caller of a frameless leaf function. */
static void backtrace_print_trap(const struct trap_frame *tf)
{
	char sym[96];
	int depth = 1;

	printk("  backtrace:\n");
	ksyms_format(sym, sizeof(sym), tf->rip);
	printk("    #0  %016lx %s\n", tf->rip, sym);
	if (!frame_set_up(tf->rip) && frame_readable(tf->rsp)) {
		uint64_t ret = *(uint64_t *)tf->rsp;

		if (ret >= KERNEL_VIRT) {
			ksyms_format(sym, sizeof(sym), ret - 1);
			printk("    #1  %016lx %s\n", ret, sym);
			depth = 2;
		}
	}
	backtrace_walk(tf->rbp, depth);
}

void trap_dump_registers(const struct trap_frame *tf)
{
	printk("  rax %016lx rbx %016lx rcx %016lx\n", tf->rax, tf->rbx, tf->rcx);
	printk("  rdx %016lx rsi %016lx rdi %016lx\n", tf->rdx, tf->rsi, tf->rdi);
	printk("  rbp %016lx rsp %016lx r8  %016lx\n", tf->rbp, tf->rsp, tf->r8);
	printk("  r9  %016lx r10 %016lx r11 %016lx\n", tf->r9, tf->r10, tf->r11);
	printk("  r12 %016lx r13 %016lx r14 %016lx\n", tf->r12, tf->r13, tf->r14);
	printk("  r15 %016lx rip %016lx rflags %08lx\n", tf->r15, tf->rip, tf->rflags);
	printk("  cs %04lx ss %04lx cr0 %08lx cr3 %016lx cr4 %08lx\n", tf->cs, tf->ss,
	       read_cr0(), read_cr3(), read_cr4());
}

static void describe_page_fault(uint64_t err)
{
	printk("  page fault: %s access, %s, %s\n",
	       (err & 0x10) ? "instruction fetch" : (err & 2) ? "write" : "read",
	       (err & 1) ? "protection violation" : "page not present",
	       (err & 8) ? "reserved bit set" : "no reserved bit");
}

static __noreturn void fatal_exception(struct trap_frame *tf, uint64_t cr2)
{
	char sym[96];

	ksyms_format(sym, sizeof(sym), tf->rip);
	printk("mote: fatal %s in %s at rip %016lx %s", exception_name(tf->vector),
	       tf->rip >= KERNEL_VIRT ? "kernel" : "application", tf->rip, sym);
	if (context_name && context_name())
		printk(", thread %s", context_name());
	if (tf->vector == VEC_PF || tf->vector == VEC_STACK_OVERFLOW)
		printk(", address %016lx", cr2);
	printk("\n");
	printk("  error code %lx, cr2 %016lx\n", tf->error, cr2);
	if (tf->vector == VEC_PF)
		describe_page_fault(tf->error);
	trap_dump_registers(tf);
	if (tf->rip >= KERNEL_VIRT)
		backtrace_print_trap(tf);
	panic_stop();
}

/*
 * A fault while we were already handling one. Keep to the smallest code
 * that can still speak: the full report may be what faulted.
 */
static __noreturn void fault_in_fault(struct trap_frame *tf, uint64_t cr2, uint64_t depth)
{
	if (depth > 2) {
		panic_stop_silent();
	}
	printk("mote: fault while handling a fault: %s at rip %016lx, cr2 %016lx\n",
	       exception_name(tf->vector), tf->rip, cr2);
	panic_stop();
}

#ifdef CONFIG_KTEST
/* Set by the fault-in-handler test: the next exception handler faults itself. */
bool trap_test_fault_in_handler;
#endif

static void handle_exception(struct trap_frame *tf)
{
	struct percpu *pc = this_cpu();
	uint64_t cr2 = tf->vector == VEC_PF || tf->vector == VEC_STACK_OVERFLOW ? read_cr2() : 0;
	uint64_t depth;

	/*
	 * In the lower half: maybe memory to fill on first touch. The resolver
	 * may sleep on the address-space lock while other threads run (and
	 * fault), so it runs with interrupts as the faulting code had them and
	 * outside the nested-fault count, which is per CPU, not per thread.
	 * cr2 is read above, before anything else can fault.
	 */
	if (tf->vector == VEC_PF && cr2 < USER_TOP && pf_resolver) {
		bool resolved;

		if (tf->rflags & RFLAGS_IF)
			irq_enable();
		resolved = pf_resolver(cr2, tf->error);
		irq_disable();
		if (resolved)
			return;
	}
	depth = ++pc->fault_depth;
	if ((tf->vector == VEC_PF || tf->vector == VEC_GP) && fixup_exception(tf))
		goto out;
	if (tf->vector == VEC_NMI) {
		pr_warn("NMI at rip %016lx\n", tf->rip);
		goto out;
	}
	if (depth > 1)
		fault_in_fault(tf, cr2, depth);
#ifdef CONFIG_KTEST
	if (trap_test_fault_in_handler) {
		trap_test_fault_in_handler = false;
		*(volatile uint64_t *)0xffffc9fffff00000ul = 1;	/* never mapped */
	}
#endif
	if (tf->rip < USER_TOP && tf->vector != VEC_STACK_OVERFLOW &&
	    tf->vector != VEC_DF && tf->vector != VEC_MC && app_fault_handler) {
		app_fault_handler(tf, cr2);	/* does not return unless it resolved the fault */
		goto out;
	}
	fatal_exception(tf, cr2);
out:
	pc->fault_depth--;
}

void trap_dispatch(struct trap_frame *tf)
{
	uint64_t v = tf->vector;

	if (v < 32 || v == VEC_STACK_OVERFLOW) {
		handle_exception(tf);
	} else if (v == VEC_SPURIOUS) {
		return;
	} else {
		if (handlers[v].fn)
			handlers[v].fn(tf, handlers[v].arg);
		else
			pr_warn("unexpected interrupt, vector %lu\n", v);
		lapic_eoi();
		/* On the thread's own kernel stack (trap_entry.S), so switching threads here is safe. */
		if (irq_exit_hook)
			irq_exit_hook();
	}
	/* Back to the application: its signals first (interrupts are off here, as the hook wants). */
	if (user_return_work && user_return_hook && returns_to_user(tf))
		while (user_return_hook(tf, -1))
			;
}
