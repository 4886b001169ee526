/* SPDX-License-Identifier: BSD-2-Clause */
/* Console fan-out: every registered console gets every byte. */
#include "kernel/console.h"

static struct console *consoles;

void console_register(struct console *c)
{
	c->next = consoles;
	consoles = c;
}

void console_write(const char *s, size_t n)
{
	for (struct console *c = consoles; c; c = c->next)
		c->write(c, s, n);
}

int console_read_byte(void)
{
	for (struct console *c = consoles; c; c = c->next) {
		if (c->read_byte) {
			int b = c->read_byte(c);
			if (b >= 0)
				return b;
		}
	}
	return -1;
}
