/* SPDX-License-Identifier: BSD-2-Clause */
/* In-kernel test suites, built only with CONFIG_KTEST and chosen with ktest=NAME. */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include <mote/compiler.h>

struct ktest {
	const char *name;
	/* Returns the number of failed checks; may also end the VM itself (fault tests). */
	int (*run)(void);
};

#define KTEST(fn_name)							\
	static int ktest_##fn_name(void);				\
	static const struct ktest ktest_entry_##fn_name			\
		__section(".ktest") __attribute__((used, aligned(8))) = {	\
		#fn_name, ktest_##fn_name };				\
	static int ktest_##fn_name(void)

/* Reports a failed check with its location; counts it. */
#define KCHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printk("ktest: %s:%d: check failed: %s\n",	\
			       __FILE__, __LINE__, #cond);		\
			failures++;					\
		}							\
	} while (0)

/* Runs the suite named by ktest=NAME, if any, then exits with its failure count. */
void ktest_run_selected(void);

#endif
