/* SPDX-License-Identifier: BSD-2-Clause */
/* Boot order: command line, memory, page tables, a real stack, platform, clocks, then the application. */
#include <mote/compiler.h>
#include "abi/process.h"
#include "abi/syscall.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/setup.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/trap.h"
#include "drivers/pci/pci.h"
#include "drivers/serial/uart8250.h"
#include "drivers/virtio/virtio.h"
#include "fs/initrd.h"
#include "fs/vfs.h"
#include "kernel/device.h"
#include "kernel/console.h"
#include "kernel/heap.h"
#include "kernel/init.h"
#include "kernel/kva.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/page_alloc.h"
#include "kernel/panic.h"
#include "kernel/random.h"
#include "kernel/thread.h"
#include "kernel/time.h"
#include "kernel/timer.h"
#include "lib/string.h"
#include "net/lwip/lwip_port.h"
#include "plat/plat.h"

struct cmdline kernel_cmdline;
static char cmdline_buf[BOOTINFO_CMDLINE_MAX];
static struct bootinfo *boot;
static struct kstack main_stack;

/* Boot phase timestamps (TSC ticks since the first instruction), printed with loglevel=3. */
static struct {
	const char *name;
	uint64_t ticks;
} phases[16];
static unsigned int nphases;

static void phase(const char *name)
{
	if (nphases < ARRAY_SIZE(phases))
		phases[nphases++] = (typeof(phases[0])){ name, time_ticks_since_boot() };
}

static void print_phases(void)
{
	uint64_t prev = 0;

	if (log_level < LOG_DEBUG)
		return;
	for (unsigned int i = 0; i < nphases; i++) {
		pr_debug("boot phase %-12s ends at %9lu tsc (+%lu)\n", phases[i].name,
			 phases[i].ticks, phases[i].ticks - prev);
		prev = phases[i].ticks;
	}
}

static paddr_t heap_virt_to_phys(const void *p)
{
	uint64_t v = (uint64_t)p;

	if (v < 0xffff800000000000ul || v >= 0xffffc80000000000ul)
		return PADDR_INVALID;
	return virt_to_phys(p);
}

static void apply_parameters(void)
{
	uint64_t v;

	if (cmdline_get_u64(&kernel_cmdline, "loglevel", &v) == 0)
		log_level = (int)(v > LOG_TRACE ? LOG_TRACE : v);
	if (cmdline_get(&kernel_cmdline, "strace")) {
		syscall_trace = strcmp(cmdline_get(&kernel_cmdline, "strace"), "0") != 0;
#ifndef CONFIG_SYSCALL_TRACE
		if (syscall_trace)
			pr_warn("strace=1 ignored: the kernel is built without CONFIG_SYSCALL_TRACE\n");
		syscall_trace = false;
#endif
	}
}

/* Second half, on a kernel stack with a guard page. */
static __noreturn void kernel_main_stack(void *arg)
{
	struct percpu *pc = this_cpu();
	int r;

	(void)arg;
	pc->kstack_base = main_stack.base;
	pc->kstack_top = main_stack.top;
	mem_reclaim_boot();
	heap_init(phys_to_virt, heap_virt_to_phys);
	phase("stack+heap");
	plat_init_early(boot);
	phase("firmware");
	plat_init();
	phase("irqchips");
	fpu_init();
	time_init(boot->tsc_entry);
	random_init(boot->tsc_entry);
	arch_syscall_init();
	sched_init();
	timer_subsystem_init();
	trap_set_irq_exit_hook(sched_preempt_point);
	trap_set_context_name_fn(thread_current_name);
	irq_enable();	/* from here on the kernel is preemptible */
	phase("cpu+time+sched");
	/* Devices: buses report what they find, then drivers claim it (a failed probe spares the rest). */
#ifdef CONFIG_PCI
	pci_enumerate();
#endif
#ifdef CONFIG_VIRTIO_MMIO
	virtio_mmio_scan(&kernel_cmdline);
#endif
	device_probe_all();
	device_list_print();
	phase("devices");
	/* The file system tree: a ramfs root, then what is mounted on it. */
	r = vfs_init();
	if (r)
		panic("cannot create the root file system (%d)", r);
	if (boot->initrd_size) {
#ifdef CONFIG_INITRD
		initrd_unpack(phys_to_virt(boot->initrd_base), boot->initrd_size);
#else
		pr_warn("initrd ignored: the kernel is built without CONFIG_INITRD\n");
#endif
		mem_reclaim_initrd();
	}
	phase("files");
	console_set_key_handler(thread_dump);
	panic_set_dump(thread_dump);
	uart8250_enable_rx_irq(4);
	print_phases();
	pr_debug("%s, %lu KiB free, FPU %s (%zu bytes)\n", plat_name(),
		 page_alloc_free_bytes() / 1024, fpu_method(), fpu_state_size());
	ktest_run_selected();
#ifdef CONFIG_LWIP
	/* After the test suites: ktest=net_raw drives eth0 itself, ktest=lwip starts lwIP when it wants. */
	(void)lwip_port_start();
#endif
	process_start((int)kernel_cmdline.argc, kernel_cmdline.argv);
}

__noreturn void kernel_main(struct bootinfo *bi)
{
	const char *err = NULL;
	int r;

	boot = bi;
	time_set_boot_tsc(bi->tsc_entry);	/* for the boot phases; time_init() comes later */
	phase("arch");
	strlcpy(cmdline_buf, bi->cmdline, sizeof(cmdline_buf));
	if (cmdline_parse(cmdline_buf, &kernel_cmdline, &err)) {
		pr_err("bad kernel command line: %s\n", err);
		panic_stop();
	}
	apply_parameters();
	phase("cmdline");

	r = mem_init(bi);
	if (r)
		panic_stop();
	phase("page alloc");
	r = mem_paging_init(bi);
	if (r) {
		pr_err("cannot build the kernel page tables (%d)\n", r);
		panic_stop();
	}
	phase("page tables");
	r = kstack_alloc((size_t)CONFIG_KSTACK_SIZE_KIB * 1024, &main_stack);
	if (r) {
		pr_err("no memory for the kernel stack\n");
		panic_stop();
	}
	arch_run_on_stack(main_stack.top, kernel_main_stack, NULL);
}
