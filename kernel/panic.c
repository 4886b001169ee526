/* SPDX-License-Identifier: BSD-2-Clause */
/* panic(), and the exit path that ends every run with `mote: exit status N`. */
#include <stdarg.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "kernel/console.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "plat/plat.h"

static int panicking;
static void (*panic_dump)(void);

void panic_set_dump(void (*fn)(void))
{
	panic_dump = fn;
}

__noreturn void kernel_exit(int status)
{
	irq_disable();
	printk("mote: exit status %d\n", status & 0xff);
	plat_poweroff(status & 0xff);
}

__noreturn void panic_stop(void)
{
	kernel_exit(PANIC_EXIT_STATUS);
}

__noreturn void panic_stop_silent(void)
{
	static const char msg[] = "\nmote: fault in fault handler\nmote: exit status 255\n";

	irq_disable();
	console_write(msg, sizeof(msg) - 1);
	plat_poweroff(PANIC_EXIT_STATUS);
}

__noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	irq_disable();
	if (panicking++)
		panic_stop_silent();
	printk("mote: panic: ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
	/* From panic()'s caller: its frame record is the one ours points to. */
	backtrace_print(*(uint64_t *)__builtin_frame_address(0),
			(uint64_t)__builtin_return_address(0));
	if (panic_dump)
		panic_dump();
	panic_stop();
}
