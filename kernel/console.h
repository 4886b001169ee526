/* SPDX-License-Identifier: BSD-2-Clause */
/* Console: where kernel messages and the application's standard output go, and where its input comes from. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <mote/types.h>

struct console {
	const char *name;
	void (*write)(struct console *c, const char *s, size_t n);
	/* Returns a byte, or -1 when none is waiting (polled input, before interrupts). */
	int (*read_byte)(struct console *c);
	struct console *next;
};

/* Ctrl-T on the console prints the thread list (as BSD's status key does). */
#define CONSOLE_KEY_THREAD_DUMP 0x14

void console_register(struct console *c);
void console_write(const char *s, size_t n);

/* From a console driver's receive interrupt: queues a byte for readers, or acts on a console key. */
void console_input(uint8_t byte);
/* Whether some driver feeds console_input() (else reads poll). */
void console_set_input_irq(bool on);
/* Reads at least one byte (blocking), at most n, up to the end of a line. */
size_t console_read(char *buf, size_t n);
/* Like console_read but never waits: 0 when no byte is there (an O_NONBLOCK read's EAGAIN). */
size_t console_read_nonblock(char *buf, size_t n);
/*
 * Readiness of the console as a file (fs/poll.h events): input readable
 * when a byte waits, output always writable. Subscribes pt (may be NULL)
 * to input arrivals, which console_input() notifies.
 */
struct poll_table;
unsigned int console_poll(struct poll_table *pt);
/* What the console key runs (the thread dump); set by the kernel. */
void console_set_key_handler(void (*fn)(void));
/* How many times the thread-dump key was handled. */
unsigned int console_key_count(void);

#endif
