/* SPDX-License-Identifier: BSD-2-Clause */
/* panic() for broken invariants, and the ways the kernel stops the VM. */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <mote/compiler.h>

/* Exit status reported when the kernel itself stops (not the application). */
#define PANIC_EXIT_STATUS 255

__noreturn void panic(const char *fmt, ...) __printf(1, 2);
/* What panic() prints after its backtrace (the thread list). */
void panic_set_dump(void (*fn)(void));
/* Stops the VM after a report that was already printed. */
__noreturn void panic_stop(void);
/* Stops without formatting anything: for faults inside fault handling. */
__noreturn void panic_stop_silent(void);
/* Prints `mote: exit status N` as the last console line and powers off. */
__noreturn void kernel_exit(int status);

#endif
