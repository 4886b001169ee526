/* SPDX-License-Identifier: BSD-2-Clause */
/* Console fan-out for output; an input ring filled by the driver's interrupt, with a console key. */
#include "arch/x86_64/cpu.h"
#include "fs/poll.h"
#include "kernel/console.h"
#include "kernel/waitq.h"

#define INPUT_RING 256

static struct console *consoles;
static struct {
	uint8_t buf[INPUT_RING];
	unsigned int head, tail;	/* head == tail: empty */
	bool irq;			/* a driver delivers input by interrupt */
	struct waitq readers;
	struct pollhead pollers;	/* poll, select and epoll on console input */
	void (*key_handler)(void);
	unsigned int keys;
} in = { .readers = WAITQ_INIT(in.readers), .pollers = POLLHEAD_INIT(in.pollers) };

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

void console_set_key_handler(void (*fn)(void))
{
	in.key_handler = fn;
}

unsigned int console_key_count(void)
{
	return READ_ONCE(in.keys);
}

void console_set_input_irq(bool on)
{
	in.irq = on;
}

void console_input(uint8_t byte)
{
	uint64_t flags;

	if (byte == CONSOLE_KEY_THREAD_DUMP && in.key_handler) {
		in.key_handler();
		WRITE_ONCE(in.keys, in.keys + 1);
		return;
	}
	flags = spin_lock_irqsave(&in.readers.lock);
	if (in.head - in.tail < INPUT_RING) {	/* a full ring drops, as a UART overrun would */
		in.buf[in.head % INPUT_RING] = byte;
		in.head++;
	}
	waitq_wake_locked(&in.readers, -1);
	spin_unlock_irqrestore(&in.readers.lock, flags);
	pollhead_notify(&in.pollers, POLLIN | POLLRDNORM);
}

unsigned int console_poll(struct poll_table *pt)
{
	poll_subscribe(pt, &in.pollers);
	/*
	 * Output never blocks. Without an input interrupt nothing would
	 * notify, and a byte cannot be looked at without taking it: report
	 * input ready, so a poller reads (and blocks there) instead of
	 * sleeping for good.
	 */
	if (!in.irq || READ_ONCE(in.head) != READ_ONCE(in.tail))
		return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
	return POLLOUT | POLLWRNORM;
}

static int poll_byte(void)
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

/* Reads what is waiting, up to a line; with block, first waits for a byte. */
static size_t console_take(char *buf, size_t n, bool block)
{
	size_t got = 0;
	uint64_t flags;

	if (!in.irq) {
		/* No input interrupt (no I/O APIC): poll, yielding between tries. */
		while (got < n) {
			int b = poll_byte();

			if (b < 0) {
				if (got || !block)
					break;
				cpu_relax();
				continue;
			}
			buf[got++] = (char)b;
			if (b == '\n' || b == '\r')
				break;
		}
		return got;
	}
	flags = spin_lock_irqsave(&in.readers.lock);
	while (block && in.head == in.tail) {
		struct waiter w;

		waitq_wait_locked(&in.readers, &w, 0, &flags, 0);
	}
	while (got < n && in.head != in.tail) {
		uint8_t b = in.buf[in.tail % INPUT_RING];

		in.tail++;
		buf[got++] = (char)b;
		if (b == '\n' || b == '\r')
			break;
	}
	spin_unlock_irqrestore(&in.readers.lock, flags);
	return got;
}

size_t console_read(char *buf, size_t n)
{
	return console_take(buf, n, true);
}

size_t console_read_nonblock(char *buf, size_t n)
{
	return console_take(buf, n, false);
}
