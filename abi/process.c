/* SPDX-License-Identifier: BSD-2-Clause */
/* Starting the application from the ELF image in the kernel, reporting its faults, and its exit. */
#include <mote/compiler.h>
#include <mote/errno.h>
#include "abi/exec.h"
#include "abi/fdtable.h"
#include "abi/process.h"
#include "abi/syscall.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/trap.h"
#include "kernel/init.h"
#include "kernel/ksyms.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/panic.h"
#include "kernel/thread.h"
#include "kernel/time.h"
#include "kernel/vm.h"
#include "lib/string.h"

/* The application's name; its ELF file is section .app (apps/app_image.S), see mem_app_image(). */
extern const char app_image_name[];

/* Zero until process_start: a static initialiser would move its 2 KiB of signal actions into the image. */
struct process proc;
static struct app_thread main_thread;

#define STACK_TOP	(USER_TOP - PAGE_SIZE)		/* one unmapped page at the very top */
#define STACK_MAPPED	(8 * 1024)			/* filled at start: arguments, environment, auxv */
#define STACK_MAX	(8ul << 20)			/* the rest appears on first touch, as RLIMIT_STACK */
#define MAX_ARGS	65

static const char *signal_for(uint64_t vector, int *status)
{
	switch (vector) {
	case VEC_DE:
	case VEC_MF:
	case VEC_XM:
		*status = 128 + 8;	/* SIGFPE */
		return "floating point exception";
	case VEC_UD:
		*status = 128 + 4;	/* SIGILL */
		return "illegal instruction";
	case VEC_BP:
	case VEC_DB:
		*status = 128 + 5;	/* SIGTRAP */
		return "trace/breakpoint trap";
	case VEC_AC:
		*status = 128 + 7;	/* SIGBUS */
		return "bus error";
	}
	*status = 128 + 11;		/* SIGSEGV */
	return "segmentation fault";
}

static const char *fault_why;

/* Linux uapi asm-generic/siginfo.h: the si_code of a fault's signal. */
#define SI_KERNEL	0x80
#define SEGV_MAPERR	1
#define SEGV_ACCERR	2
#define ILL_ILLOPN	2
#define FPE_INTDIV	1
#define BUS_ADRALN	1

/* A fault's si_code and si_addr, as Linux's traps give them (page faults: the address, others: rip). */
static int fault_code(const struct trap_frame *tf, uint64_t cr2, uint64_t *addr)
{
	*addr = tf->rip;
	switch (tf->vector) {
	case VEC_PF:
		/* Linux: MAPERR where no mapping is (a guard gap counts as none), ACCERR where one forbids it. */
		*addr = cr2;
		if (cr2 >= USER_TOP)
			return SEGV_MAPERR;	/* the kernel's half: nothing the application has mapped */
		if (fault_why)
			return strstr(fault_why, "unmapped") || strstr(fault_why, "guard gap") ? SEGV_MAPERR
											       : SEGV_ACCERR;
		return (tf->error & 1) ? SEGV_ACCERR : SEGV_MAPERR;
	case VEC_UD:
		return ILL_ILLOPN;
	case VEC_DE:
		return FPE_INTDIV;
	case VEC_AC:
		return BUS_ADRALN;
	}
	*addr = 0;
	return SI_KERNEL;
}

/*
 * An application bug is the application's end, not the kernel's: report it
 * like a shell would. Unless the application handles the fault's signal:
 * then the handler runs on the way back (signal_fault).
 */
static void app_fault(struct trap_frame *tf, uint64_t cr2)
{
	int status, code;
	const char *what = signal_for(tf->vector, &status);
	uint64_t addr;

	code = fault_code(tf, cr2, &addr);
	if (signal_fault(status - 128, code, addr, tf->vector, tf->error, cr2))
		return;
	if (tf->vector == VEC_PF)
		printk("mote: %s at %016lx, ip %016lx (%s)\n", what, cr2, tf->rip,
		       fault_why ? fault_why : "unexplained page fault");
	else
		printk("mote: %s at ip %016lx (vector %lu, error %lx)\n", what, tf->rip,
		       tf->vector, tf->error);
	trap_dump_registers(tf);
	printk("  mappings:\n");
	vm_print_maps();
	process_exit(status);
}

static bool app_page_fault(uint64_t addr, uint64_t error)
{
	fault_why = NULL;
	return vm_fault(addr, error, &fault_why) == 0;
}

/* The process before its first instruction: one thread, whose tid is the pid (1). */
static void process_init(void)
{
	mutex_init(&proc.lock);
	waitq_init(&proc.sig_wq);
	list_init(&proc.threads);
	main_thread.thread = thread_current();
	main_thread.tid = proc.last_tid = 1;
	list_push_back(&proc.threads, &main_thread.link);
	proc.nthreads = 1;
	thread_current()->app = &main_thread;
	signal_init();
}

void process_lock(void)
{
	mutex_lock(&proc.lock);
}

void process_unlock(void)
{
	mutex_unlock(&proc.lock);
}

struct app_thread *process_find_thread(long tid)
{
	struct list_node *pos, *tmp;

	list_for_each_safe(pos, tmp, &proc.threads) {
		struct app_thread *at = list_entry(pos, struct app_thread, link);

		if (at->tid == tid)
			return at;
	}
	return NULL;
}

uint64_t process_cpu_ticks(void)
{
	struct list_node *pos, *tmp;
	uint64_t ticks;

	process_lock();
	ticks = proc.exited_cpu_ticks;
	list_for_each_safe(pos, tmp, &proc.threads)
		ticks += thread_cpu_ticks(list_entry(pos, struct app_thread, link)->thread);
	process_unlock();
	return ticks;
}

__noreturn void process_start(int argc, char **argv)
{
	static char *full_argv[MAX_ARGS + 1];
	static char *envp[] = { "PATH=/bin:/usr/bin", "HOME=/", "TERM=linux", NULL };
	struct exec_image_args a;
	struct exec_start start;
	const void *image;
	size_t image_size;
	const char *err = NULL;
	int r;

	/* Words after `--` are the arguments; argv[0] is the application's name, as init's is on Linux. */
	if (argc > MAX_ARGS - 1)
		argc = MAX_ARGS - 1;
	full_argv[0] = (char *)app_image_name;
	for (int i = 0; i < argc; i++)
		full_argv[i + 1] = argv[i];
	argc++;
	argv = full_argv;
	image = mem_app_image(&image_size);
	a = (struct exec_image_args){
		.image = image,
		.size = image_size,
		.execfn = argv[0],
		.argc = argc,
		.argv = argv,
		.envc = 3,
		.envp = envp,
		.hwcap = cpu.hwcap,
		.hwcap2 = cpu.hwcap2,
		.platform = "x86_64",
		.stack_top = STACK_TOP,
		.stack_size = STACK_MAPPED,
	};
	trap_set_app_fault_handler(app_fault);
	trap_set_page_fault_resolver(app_page_fault);
	process_init();
	vm_init();
	r = fdtable_init();
	if (r)
		pr_warn("no standard input, output and error: /dev/console cannot be opened (%d)\n", r);
	r = exec_load(&a, &start, &err);
	if (r) {
		pr_err("cannot start the application: %s\n", err ? err : "unknown error");
		kernel_exit(127);	/* as a shell does for a command it cannot run */
	}
	mem_reclaim_app_image();
	r = vm_stack_init(STACK_TOP, STACK_MAX, STACK_MAPPED);
	if (r)
		pr_warn("stack beyond %d KiB unavailable (%d)\n", STACK_MAPPED / 1024, r);
	vm_brk_init(start.brk_start);
	if (start.base)
		pr_info("static-pie loaded at base %lx\n", start.base);
	pr_info("app start at %lu tsc\n", time_ticks_since_boot());
	thread_enter_user();
	arch_enter_app(start.entry, start.sp);
}

__noreturn void process_exit(int status)
{
	/* For make bench (boot.hello.insns); every console byte costs boot time under QEMU. */
	if (proc.first_write_tsc && cmdline_get(&kernel_cmdline, "bench"))
		pr_info("first write at %lu tsc\n", proc.first_write_tsc);
	kernel_exit(status);
}
