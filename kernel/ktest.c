/* SPDX-License-Identifier: BSD-2-Clause */
/* Runs the in-kernel test suite named on the command line; its failure count becomes the exit status. */
#include "kernel/init.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "lib/string.h"

extern const struct ktest __ktest_start[], __ktest_end[];

void ktest_run_selected(void)
{
	const char *name = cmdline_get(&kernel_cmdline, "ktest");

	if (!name)
		return;
	for (const struct ktest *t = __ktest_start; t < __ktest_end; t++) {
		if (strcmp(t->name, name) == 0) {
			int failures;

			printk("ktest: %s: start\n", t->name);
			failures = t->run();
			printk("ktest: %s: %s (%d failed)\n", t->name, failures ? "FAIL" : "ok",
			       failures);
			kernel_exit(failures > 250 ? 250 : failures);
		}
	}
	pr_err("no test suite named \"%s\" in this kernel (built with CONFIG_KTEST?)\n", name);
	kernel_exit(PANIC_EXIT_STATUS - 1);
}
