/* SPDX-License-Identifier: BSD-2-Clause */
/* Console: where kernel messages and the application's standard output go. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <mote/types.h>

struct console {
	const char *name;
	void (*write)(struct console *c, const char *s, size_t n);
	/* Returns a byte, or -1 when none is waiting. */
	int (*read_byte)(struct console *c);
	struct console *next;
};

void console_register(struct console *c);
void console_write(const char *s, size_t n);
int console_read_byte(void);

#endif
